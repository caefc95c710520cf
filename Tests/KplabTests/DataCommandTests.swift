import Foundation
import Testing

/// `kplab synth`, `kplab inspect` and `kplab bench` through the real binary.
@Suite struct DataCommandTests {
    @Test func synthWritesKaggleFormatThatInspectReads() throws {
        var header = "", firstRow = ""
        let synth = try runInScratchFolder(["synth", "--count", "4", "--seed", "3", "--out", "faces.csv"], files: [:]) { folder in
            let text = try String(contentsOf: folder.appendingPathComponent("faces.csv"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            header = String(lines[0])
            firstRow = String(lines[1])
            #expect(lines.count == 5)
        }
        #expect(synth.status == 0)
        #expect(header.hasPrefix("left_eye_center_x,left_eye_center_y,right_eye_center_x,"))
        #expect(header.hasSuffix(",mouth_center_bottom_lip_y,Image"))
        let image = firstRow.split(separator: ",").last!.split(separator: " ")
        #expect(image.count == 96 * 96 && image.allSatisfy { UInt8($0) != nil })

        let csv = "left_eye_center_x,left_eye_center_y,Image\n66,37," + Array(repeating: "128", count: 9216).joined(separator: " ")
            + "\n,," + Array(repeating: "7", count: 9216).joined(separator: " ") + "\n"
        let inspect = try runInScratchFolder(["inspect", "two.csv"], files: ["two.csv": csv])
        #expect(inspect.status == 0)
        #expect(inspect.standardOutput.contains("rows      2\n"))
        #expect(inspect.standardOutput.contains("complete  0\n"))
        #expect(inspect.standardOutput.contains("left_eye_center                  1    66.00    37.00"))
        let json = try runInScratchFolder(["inspect", "two.csv", "--format", "json"], files: ["two.csv": csv])
        let report = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as! [String: Any]
        #expect(report["rows"] as? Int == 2 && report["complete_rows"] as? Int == 0)
    }

    @Test func inspectNamesEveryRowItWouldRejectAndExitsOne() throws {
        let csv = "nose_tip_x,nose_tip_y,Image\n48,50," + Array(repeating: "1", count: 9216).joined(separator: " ") + "\n"
            + "48,50," + Array(repeating: "1", count: 9215).joined(separator: " ") + "\n"
            + "48,97," + Array(repeating: "1", count: 9216).joined(separator: " ") + "\n"
        let result = try runInScratchFolder(["inspect", "bad.csv"], files: ["bad.csv": csv])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("bad.csv: row 2 (line 3), column Image: 9215 pixel values, expected 9216"))
        #expect(result.standardOutput.contains("bad.csv: row 3 (line 4), column nose_tip_y: '97' is outside the image"))
    }

    @Test func benchPrintsOneKeyValueLine() throws {
        let result = try runInScratchFolder(["bench", "--arch", "mlp", "--steps", "1", "--windows", "1", "--batch", "8"], files: [:])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        let pairs = Dictionary(uniqueKeysWithValues: lines[0].split(separator: " ").map {
            let parts = $0.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        })
        for key in ["arch", "threads", "train_img_s", "infer_img_s", "gflop_s", "peak_rss_mb", "vector_kernels", "peak_gflop_s", "train_peak_pct", "infer_peak_pct", "infer_gflop_s"] {
            #expect(pairs[key] != nil, "missing \(key) in \(lines[0])")
        }
        #expect(pairs["arch"] == "mlp" && pairs["threads"] == "1")
        #expect(Double(pairs["train_img_s"] ?? "") ?? 0 > 0)
        #expect(Double(pairs["peak_gflop_s"] ?? "") ?? 0 > 1, "a core does more than 1 GFLOP/s")
        #expect(Double(pairs["train_peak_pct"] ?? "") ?? 0 > 0)
    }

    @Test func benchProfileAddsWhereTheStepWent() throws {
        let result = try runInScratchFolder(["bench", "--arch", "mlp", "--steps", "1", "--windows", "1", "--batch", "8",
                                             "--profile"], files: [:])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("arch=mlp ") == true)
        #expect(lines.dropFirst().first?.hasPrefix("training step") == true)
        #expect(lines.contains { $0.hasPrefix("dense1 (dense 256)") })
        #expect(lines.contains { $0.hasPrefix("optimizer") })
        #expect(lines.last?.hasPrefix("whole step") == true)
    }
}
