import Testing
@testable import Faces

@Suite struct KeypointTests {
    @Test func mirroringIsAnInvolutionWithTwelveSwappedCoordinates() {
        var swapped = 0
        for point in Keypoint.allCases {
            #expect(point.mirrored.mirrored == point)
            if point.mirrored != point {
                swapped += 1
                // A left point mirrors to a right one with the same part name.
                func part(_ name: String) -> String {
                    name.replacingOccurrences(of: "left", with: "#").replacingOccurrences(of: "right", with: "#")
                }
                #expect(part(point.name) == part(point.mirrored.name) && point.name != point.mirrored.name)
            }
        }
        #expect(swapped == 12)
    }

    @Test func columnsFollowKagglesHeader() {
        #expect(Keypoint.columnNames.count == 30)
        #expect(Keypoint.columnNames.first == "left_eye_center_x")
        #expect(Keypoint.columnNames.last == "mouth_center_bottom_lip_y")
    }
}
