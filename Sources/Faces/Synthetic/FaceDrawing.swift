/// Draws one synthetic face and returns its exact keypoints.
///
/// The face is laid out in an upright, frontal "canonical" frame close to Kaggle's mean face
/// (eye centres near (66, 38) and (30, 38), nose tip (48, 63), mouth corners (63, 76) and (33, 76)),
/// with per-face proportions. Each landmark has a depth; the pose applies a mild yaw
/// (x ↦ x·cos ψ + depth·sin ψ, so the nose moves more than the cheeks), then scale, in-plane
/// rotation and shift about the image centre. Keypoints are placed first, rounded to a
/// 1/1024-pixel grid (exact in Float, and exact under a flip), and every feature is then drawn
/// from those rounded points: the eye centre is the iris centre, the corners are the ends of the
/// eye opening, the brow ends are the ends of the brow stroke, the lip points are the apexes
/// of the lips.
struct FaceDrawing {
    /// Image-space radius of each iris, right-eye ([0] is the subject's left eye, [1] the right).
    var irisRadii: [Float] = [0, 0]
    /// (30) in pixels, Kaggle order.
    var keypoints = [Float](repeating: 0, count: Keypoint.coordinateCount)

    // Pose, set in `init`.
    private let scale: Float, rotationCos: Float, rotationSin: Float
    private let yawCos: Float, yawSin: Float
    private let shift: Vector2

    init(using g: inout SplitMix64, into pixels: UnsafeMutablePointer<UInt8>) {
        func jitter(_ sigma: Float, _ limit: Float) -> Float { min(max(sigma * g.normal(), -limit), limit) }

        // Pose.
        scale = 1 + jitter(0.05, 0.12)
        let rotation = jitter(0.09, 0.25)
        rotationCos = cosine(rotation); rotationSin = sine(rotation)
        let yaw = jitter(0.09, 0.22)
        yawCos = cosine(yaw); yawSin = sine(yaw)
        shift = Vector2(jitter(1.8, 5), jitter(1.8, 5))

        // Proportions (canonical pixels).
        let eyeSpacing = 18 + jitter(1.0, 2.5)
        let eyeY = 37.8 + jitter(1.0, 2.5)
        let eyeHalfWidth = 7 + jitter(0.5, 1.2)
        let eyeHalfHeight = min(max(3 + 0.4 * g.normal(), 2.3), 4)
        let irisRadius = min(eyeHalfHeight + 0.2, 2.7 + jitter(0.25, 0.5))
        let browY = eyeY - 8.5 + jitter(1.2, 2.5)
        let browArch = 1.5 + jitter(0.6, 1.2)
        let noseX = 48 + jitter(0.6, 1.5)
        let noseY = eyeY + 24.5 + jitter(1.5, 3.5)
        let mouthY = eyeY + 38 + jitter(1.8, 4)
        let mouthHalfWidth = 15 + jitter(1.3, 3)
        let topLip = 3.2 + jitter(0.5, 1.2), bottomLip = 3.2 + jitter(0.6, 1.4)
        let smile = jitter(0.8, 1.8)
        let headY = 50 + jitter(1.0, 2.5)
        let headHalfWidth = 40 + jitter(2, 4), headHalfHeight = 52 + jitter(2, 4)

        // Looks.
        let skin = g.uniform(85 ... 205)
        let background = g.uniform(15 ... 240)
        let hair: Float? = g.chance(0.65) ? (g.chance(0.75) ? g.uniform(5 ... 90) : g.uniform(150 ... 230)) : nil
        let glasses: Float? = g.chance(0.2) ? g.uniform(5 ... 70) : nil
        let white = min(255, max(skin + 25, g.uniform(170 ... 240)))
        // The iris is always well darker than the skin, so the eye centre can be found.
        let iris = min(g.uniform(25 ... 115), skin * 0.6), pupil = g.uniform(3 ... 25)
        let brow = min(skin * 0.6, g.uniform(10 ... 95))
        let lips = skin * g.uniform(0.55 ... 0.78)

        var canvas = Canvas()
        // Background: a vertical gradient and clutter.
        let slope = g.uniform(-50 ... 50)
        for row in 0 ..< Canvas.side {
            let value = background + slope * Float(row - 48) / 48
            for column in 0 ..< Canvas.side { canvas.values[row * Canvas.side + column] = value }
        }
        for _ in 0 ..< g.index(below: 8) {
            let centre = Vector2(g.uniform(-5 ... 100), g.uniform(-5 ... 100))
            let angle = g.uniform(0 ... 3.1416)
            let along = Vector2(cosine(angle), sine(angle))
            let length = g.uniform(3 ... 30), width = g.uniform(2 ... 20), value = g.uniform(0 ... 255)
            switch g.index(below: 3) {
            case 0: canvas.disk(centre, length * along, width * along.perpendicular, value: value)
            case 1: canvas.disk(centre, length * along, width * along.perpendicular, value: value, shape: .box)
            default: canvas.stroke(centre, centre + 2 * length * along, width: g.uniform(1 ... 4), value: value)
            }
        }

        // Head: hair behind, neck, ears, the shaded face, the fringe.
        let headCentre = place(48, headY, depth: 0)
        let headAcross = direction(headHalfWidth, 0), headDown = direction(0, headHalfHeight)
        if let hair {
            canvas.disk(place(48, headY - 5, depth: 0), direction(headHalfWidth + 6, 0),
                        direction(0, headHalfHeight + 3), value: hair, shade: 0.2)
        }
        canvas.disk(place(48, headY + headHalfHeight * 0.8, depth: 0), direction(headHalfWidth * 0.5, 0),
                    direction(0, 22), value: skin * 0.78, shape: .box)
        for side: Float in [-1, 1] {
            canvas.disk(place(48 + side * headHalfWidth * 0.97, eyeY + 12, depth: 0), direction(4.5, 0),
                        direction(0, 9), value: skin * 0.9, shade: 0.25)
        }
        canvas.disk(headCentre, headAcross, headDown, value: skin, shade: g.uniform(0.15 ... 0.35))
        if let hair {
            let hairline = eyeY - g.uniform(16 ... 24)
            canvas.disk(place(48, hairline, depth: 0), direction(headHalfWidth + 3, 0),
                        direction(0, -(hairline - headY + headHalfHeight) - 3), value: hair, halfOnly: true)
        }

        // Keypoints, on the 1/1024 grid.
        func key(_ point: Keypoint, _ x: Float, _ y: Float, depth: Float) -> Vector2 {
            let placed = place(x, y, depth: depth)
            let exact = Vector2((placed.x * 1024).rounded() / 1024, (placed.y * 1024).rounded() / 1024)
            keypoints[2 * point.rawValue] = exact.x
            keypoints[2 * point.rawValue + 1] = exact.y
            return exact
        }
        // side +1 = the subject's left eye (larger x), −1 = the right.
        let eyes: [(side: Float, centre: Keypoint, inner: Keypoint, outer: Keypoint,
                    browInner: Keypoint, browOuter: Keypoint)] = [
            (1, .leftEyeCenter, .leftEyeInnerCorner, .leftEyeOuterCorner, .leftEyebrowInnerEnd, .leftEyebrowOuterEnd),
            (-1, .rightEyeCenter, .rightEyeInnerCorner, .rightEyeOuterCorner, .rightEyebrowInnerEnd, .rightEyebrowOuterEnd),
        ]
        for (number, eye) in eyes.enumerated() {
            let x = 48 + eye.side * eyeSpacing
            let centre = key(eye.centre, x, eyeY, depth: 30)
            let inner = key(eye.inner, x - eye.side * eyeHalfWidth, eyeY + 0.2, depth: 32)
            let outer = key(eye.outer, x + eye.side * eyeHalfWidth, eyeY - 0.2, depth: 24)
            let browInner = key(eye.browInner, x - eye.side * 10, browY, depth: 34)
            let browOuter = key(eye.browOuter, x + eye.side * 13, browY + 1, depth: 24)
            let browMiddle = place(x + eye.side * 1.5, browY - browArch, depth: 30)

            let middle = Vector2.midpoint(inner, outer)
            let across = 0.5 * (outer - inner)
            let up = (-eye.side * eyeHalfHeight * scale / across.length) * across.perpendicular
            let down = -1 * up
            // Socket shadow, the white, iris, pupil, a catch light, the upper lid.
            canvas.disk(middle, 1.4 * across, 2.2 * down, value: skin * 0.82, softness: 3)
            canvas.disk(middle, across, down, value: white)
            irisRadii[number] = irisRadius * scale
            canvas.circle(centre, radius: irisRadius * scale, value: iris)
            canvas.circle(centre, radius: 0.45 * irisRadius * scale, value: pupil)
            canvas.circle(centre + Vector2(-0.5 * irisRadius * scale, -0.5 * irisRadius * scale),
                          radius: 0.5, value: 250, opacity: 0.8)
            canvas.disk(middle, across, up, value: skin * 0.3, halfOnly: true, ring: 1.1)
            canvas.stroke(browInner, browMiddle, width: 2.4 * scale, value: brow)
            canvas.stroke(browMiddle, browOuter, width: 2 * scale, value: brow)
            if let glasses {
                let rim = (9.5 * scale / across.length) * across
                canvas.disk(centre, rim, (7.5 / 9.5) * rim.perpendicular, value: glasses, ring: 1.3)
                canvas.stroke(centre + rim, place(48 + eye.side * headHalfWidth, eyeY - 1, depth: 0),
                              width: 1.2, value: glasses)
            }
        }
        if let glasses {
            canvas.stroke(place(48 - 6, eyeY - 1, depth: 38), place(48 + 6, eyeY - 1, depth: 38), width: 1.3, value: glasses)
        }

        // Nose: bridge shadows, the lit tip, nostrils.
        let tip = key(.noseTip, noseX, noseY, depth: 46)
        for side: Float in [-1, 1] {
            canvas.stroke(place(noseX + side * 3, eyeY + 6, depth: 38), place(noseX + side * 4.2, noseY - 2, depth: 40),
                          width: 1.6, value: skin * 0.8, softness: 3, opacity: 0.5)
        }
        canvas.circle(tip, radius: 2.6 * scale, value: min(255, skin * 1.12), softness: 2)
        for side: Float in [-1, 1] {
            canvas.disk(place(noseX + side * 4, noseY + 2.2, depth: 42), direction(1.7, 0), direction(0, 1),
                        value: skin * 0.42)
        }

        // Mouth: the lips as two half-ellipses on the corners, the parting line.
        let mouthLeft = key(.mouthLeftCorner, 48 + mouthHalfWidth, mouthY - smile, depth: 28)
        let mouthRight = key(.mouthRightCorner, 48 - mouthHalfWidth, mouthY - smile, depth: 28)
        let top = key(.mouthCenterTopLip, 48, mouthY - topLip, depth: 36)
        let bottom = key(.mouthCenterBottomLip, 48, mouthY + bottomLip, depth: 36)
        let mouthMiddle = Vector2.midpoint(mouthLeft, mouthRight)
        let halfMouth = 0.5 * (mouthLeft - mouthRight)
        canvas.disk(mouthMiddle, halfMouth, top - mouthMiddle, value: lips, halfOnly: true)
        canvas.disk(mouthMiddle, halfMouth, bottom - mouthMiddle, value: lips * 1.08, halfOnly: true)
        let parting = place(48, mouthY, depth: 36)
        canvas.stroke(mouthRight, parting, width: 0.9, value: lips * 0.45)
        canvas.stroke(parting, mouthLeft, width: 0.9, value: lips * 0.45)

        // Camera: light, blur, noise.
        canvas.light(strength: g.uniform(0 ... 0.45), angle: g.uniform(0 ... 6.2832))
        if g.chance(0.6) { canvas.blur(amount: g.uniform(0.3 ... 1)) }
        canvas.quantize(noise: g.uniform(1 ... 8), using: &g, into: pixels)
    }

    /// A canonical point (x, y) at `depth` → image coordinates under the pose.
    private func place(_ x: Float, _ y: Float, depth: Float) -> Vector2 {
        let u = (x - 48) * yawCos + depth * yawSin, v = y - 48
        return Vector2(48 + shift.x + scale * (rotationCos * u - rotationSin * v),
                       48 + shift.y + scale * (rotationSin * u + rotationCos * v))
    }

    /// A canonical direction → image direction under the pose (no shift, no depth).
    private func direction(_ x: Float, _ y: Float) -> Vector2 {
        let u = x * yawCos
        return Vector2(scale * (rotationCos * u - rotationSin * y), scale * (rotationSin * u + rotationCos * y))
    }
}
