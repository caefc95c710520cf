import Foundation
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
                #expect(sideless(point.name) == sideless(point.mirrored.name))
                #expect(point.name.contains("left") != point.mirrored.name.contains("left"))
            }
        }
        #expect(swapped == 12)
    }

    func sideless(_ name: String) -> String {
        name.replacingOccurrences(of: "left", with: "#").replacingOccurrences(of: "right", with: "#")
    }

    @Test func columnsFollowKagglesHeader() {
        #expect(Keypoint.columnNames.count == 30)
        #expect(Keypoint.columnNames.first == "left_eye_center_x")
        #expect(Keypoint.columnNames.last == "mouth_center_bottom_lip_y")
    }
}
