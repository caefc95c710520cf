import Testing
@testable import Faces

@Suite struct SyntheticFacesTests {
    @Test func sameSeedSameBytes() {
        let a = SyntheticFaces(count: 6, seed: 11).generate()
        #expect(a == SyntheticFaces(count: 6, seed: 11).generate())
        #expect(a != SyntheticFaces(count: 6, seed: 12).generate())
        // Face i does not depend on how many are drawn.
        #expect(Array(SyntheticFaces(count: 3, seed: 11).generate().image(2)) == Array(a.image(2)))
        #expect(SyntheticFaces(count: 6, seed: 11).face(4).pixels == Array(a.image(4)))
    }

    @Test func eachEyeCentreIsInsideItsDarkIris() {
        let generator = SyntheticFaces(count: 100, seed: 5)
        for index in 0 ..< 100 {
            let face = generator.face(index)
            for (number, point) in [Keypoint.leftEyeCenter, .rightEyeCenter].enumerated() {
                let x = face.keypoints[2 * point.rawValue], y = face.keypoints[2 * point.rawValue + 1]
                let radius = face.irisRadii[number]
                #expect(radius >= 1.5)
                // Mean brightness inside the iris vs a ring just outside it (eye white and skin).
                var inside: [Float] = [], outside: [Float] = []
                for row in Int(y) - 8 ... Int(y) + 8 {
                    for column in Int(x) - 8 ... Int(x) + 8 where (0 ..< 96).contains(row) && (0 ..< 96).contains(column) {
                        let distance = ((Float(column) - x) * (Float(column) - x) + (Float(row) - y) * (Float(row) - y)).squareRoot()
                        let value = Float(face.pixels[row * 96 + column])
                        if distance < radius * 0.7 { inside.append(value) }
                        if distance > radius + 1.5 && distance < radius + 3 { outside.append(value) }
                    }
                }
                let mean = { (values: [Float]) in values.reduce(0, +) / Float(values.count) }
                #expect(mean(inside) < 0.75 * mean(outside), "face \(index) \(point.name)")
            }
        }
    }

    @Test func keypointsFollowKagglesLayout() {
        let faces = SyntheticFaces(count: 200, seed: 1).generate()
        let statistics = FaceStatistics(faces)
        let left = statistics.keypoints[Keypoint.leftEyeCenter.rawValue]
        let right = statistics.keypoints[Keypoint.rightEyeCenter.rawValue]
        #expect(abs(left.meanX - 66) < 2 && abs(left.meanY - 37.7) < 2)
        #expect(abs(right.meanX - 30.5) < 2 && abs(right.meanY - 38) < 2)
        #expect(statistics.completeRows == 200)
        // On the 1/1024-pixel grid, so flips are exact.
        #expect(faces.keypoints.allSatisfy { ($0 * 1024).rounded() == $0 * 1024 })
    }

    @Test func missingLabelsFollowKagglesPatternAndKeepTheImages() {
        let full = SyntheticFaces(count: 300, seed: 2).generate()
        let partial = SyntheticFaces(count: 300, seed: 2, missingLabels: true).generate()
        #expect(partial.pixels == full.pixels)
        let statistics = FaceStatistics(partial)
        #expect((60 ... 120).contains(statistics.completeRows))   // about 30 %
        for count in statistics.keypoints {
            let kept = SyntheticFaces.partialLabelKeypoints.contains(count.keypoint)
            #expect(kept ? count.rows == 300 : count.rows == statistics.completeRows)
        }
    }

    @Test func fingerprintNamesVersionAndParameters() {
        let generator = SyntheticFaces(count: 2000, seed: 7)
        #expect(generator.fingerprintText == "kplab synthetic faces version=1 count=2000 seed=7 missing-labels=false")
        #expect(generator.fingerprint.count == 64)
        #expect(generator.fingerprint == SyntheticFaces(count: 2000, seed: 7).fingerprint)
        #expect(generator.fingerprint != SyntheticFaces(count: 2000, seed: 7, missingLabels: true).fingerprint)
    }
}
