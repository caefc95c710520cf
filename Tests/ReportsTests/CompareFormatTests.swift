import Foundation
import Reports
import Testing

/// Each output format, exactly, for the four standard fixture runs (see `CompareFixtures`).
@Suite struct CompareFormatTests {
    /// The output with the temporary folder's path replaced by `ROOT`.
    func output(_ format: Comparison.Format, groupKeys: [String] = []) throws -> String {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.standardRuns()
        let comparison = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs, groupKeys: groupKeys)
        return comparison.text(format).replacingOccurrences(of: fixtures.root, with: "ROOT")
    }

    @Test func table() throws {
        #expect(try output(.table) == """
            run       seed  model.init.weights  best RMSE px  mean face px  best epoch  train loss  val loss  epochs  status                                  wall time  images/s
            --------  ----  ------------------  ------------  ------------  ----------  ----------  --------  ------  --------------------------------------  ---------  --------
            cnn-he-1  1     he                         2.400         4.500           3       0.002    0.0025       3  completed                                    4.5s      1000
            cnn-he-2  2     he                         2.880         4.500           3       0.003    0.0036       3  completed                                    4.5s      1000
            cnn-xa-1  1     xavier                     3.360         4.500           3       0.004    0.0049       3  completed                                    4.5s      1000
            cnn-xa-2  2     xavier                     4.800         4.500           1         nan       nan       2  diverged, no better than the mean face       3.0s      1000

            """)
    }

    @Test func csv() throws {
        #expect(try output(.csv) == """
            run,path,seed,model.init.weights,best_val_rmse_px,mean_face_rmse_px,best_epoch,final_train_loss,final_val_loss,epochs_run,status,wall_seconds,images_per_second
            cnn-he-1,ROOT/cnn/cnn-he-1,1,he,2.4000000000000004,4.5,3,0.002,0.0025,3,completed,4.5,1000.0
            cnn-he-2,ROOT/cnn/cnn-he-2,2,he,2.88,4.5,3,0.003,0.0036,3,completed,4.5,1000.0
            cnn-xa-1,ROOT/cnn/cnn-xa-1,1,xavier,3.3599999999999994,4.5,3,0.004,0.0049,3,completed,4.5,1000.0
            cnn-xa-2,ROOT/cnn/cnn-xa-2,2,xavier,4.800000000000001,4.5,1,nan,nan,2,"diverged, no better than the mean face",3.0,1000.0

            """)
    }

    @Test func json() throws {
        let text = try output(.json)
        #expect(text.hasPrefix("""
            [
              {
                "run": "cnn-he-1",
                "path": "ROOT/cnn/cnn-he-1",
                "seed": 1,
                "model.init.weights": "he",
                "best_val_rmse_px": 2.4000000000000004,
                "mean_face_rmse_px": 4.5,
                "best_epoch": 3,
                "final_train_loss": 0.002,
                "final_val_loss": 0.0025,
                "epochs_run": 3,
                "status": "completed",
                "wall_seconds": 4.5,
                "images_per_second": 1000
              },
            """))
        #expect(text.hasSuffix("""
                "final_train_loss": null,
                "final_val_loss": null,
                "epochs_run": 2,
                "status": "diverged, no better than the mean face",
                "wall_seconds": 3,
                "images_per_second": 1000
              }
            ]

            """))
        // It is JSON: an array of four objects.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 4)
    }

    @Test func markdown() throws {
        #expect(try output(.markdown) == """
            | run | seed | model.init.weights | best RMSE px | mean face px | best epoch | train loss | val loss | epochs | status | wall time | images/s |
            | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |
            | cnn-he-1 | 1 | he | 2.400 | 4.500 | 3 | 0.002 | 0.0025 | 3 | completed | 4.5s | 1000 |
            | cnn-he-2 | 2 | he | 2.880 | 4.500 | 3 | 0.003 | 0.0036 | 3 | completed | 4.5s | 1000 |
            | cnn-xa-1 | 1 | xavier | 3.360 | 4.500 | 3 | 0.004 | 0.0049 | 3 | completed | 4.5s | 1000 |
            | cnn-xa-2 | 2 | xavier | 4.800 | 4.500 | 1 | nan | nan | 2 | diverged, no better than the mean face | 3.0s | 1000 |

            """)
    }

    @Test func groupedTable() throws {
        #expect(try output(.table, groupKeys: ["model.init.weights"]) == """
            model.init.weights  n   best RMSE px   mean face px  best epoch        train loss           val loss     epochs  status                                                   wall time  images/s
            ------------------  -  -------------  -------------  ----------  ----------------  -----------------  ---------  -----------------------------------------------------  -----------  --------
            he                  2  2.640 ± 0.339  4.500 ± 0.000   3.0 ± 0.0  0.0025 ± 0.00071  0.00305 ± 0.00078  3.0 ± 0.0  2 completed                                            4.5s ± 0.0s  1000 ± 0
            xavier              2  4.080 ± 1.018  4.500 ± 0.000   2.0 ± 1.4             0.004             0.0049  2.5 ± 0.7  1 completed, 1 diverged, no better than the mean face  3.8s ± 1.1s  1000 ± 0

            """)
    }

    @Test func groupedCSVHasMeanAndStdColumns() throws {
        #expect(try output(.csv, groupKeys: ["model.init.weights"]) == """
            model.init.weights,n,best_val_rmse_px_mean,best_val_rmse_px_std,mean_face_rmse_px_mean,mean_face_rmse_px_std,best_epoch_mean,best_epoch_std,final_train_loss_mean,final_train_loss_std,final_val_loss_mean,final_val_loss_std,epochs_run_mean,epochs_run_std,status,wall_seconds_mean,wall_seconds_std,images_per_second_mean,images_per_second_std
            he,2,2.64,0.3394112549695425,4.5,0.0,3.0,0.0,0.0025,0.0007071067811865475,0.0030499999999999998,0.0007778174593052023,3.0,0.0,2 completed,4.5,0.0,1000.0,0.0
            xavier,2,4.08,1.0182337649086295,4.5,0.0,2.0,1.4142135623730951,0.004,,0.0049,,2.5,0.7071067811865476,"1 completed, 1 diverged, no better than the mean face",3.75,1.0606601717798212,1000.0,0.0

            """)
    }

    @Test func groupedJSONHasMeanAndStdObjects() throws {
        let text = try output(.json, groupKeys: ["model.init.weights"])
        #expect(text.contains("""
                "best_val_rmse_px": {"mean": 2.64, "std": 0.3394112549695425},
            """))
        #expect(text.contains("""
                "final_train_loss": {"mean": 0.004, "std": null},
            """))
    }
}
