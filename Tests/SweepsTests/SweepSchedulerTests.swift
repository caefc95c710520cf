import Experiments
import Foundation
import Results
@testable import Sweeps
import Testing

/// The sweep scheduler against a stand-in for `kplab run`: a shell script that records how it
/// was called, writes a run.json with the status the test chose for that run, and exits with
/// the chosen code — so these tests exercise scheduling, not training.
@Suite struct SweepSchedulerTests {
    /// `fake run FILE --out RESULTS --threads N --quiet [--resume]`. The run's name and id come
    /// from the file's place (`RESULTS/.sweep/<name>/<run-id>.yaml`); `RESULTS/../behaviour/<run-id>`
    /// may hold "status exit-code [seconds [other-run-id]]" (default "completed 0"; the other run
    /// is recorded completed as this one ends, as if another process had trained it meanwhile),
    /// or "wait", to wait for SIGINT. Like `kplab run` it holds the run's lock while it works (waiting 2 s for it, as
    /// `kplab run` does) and refuses a run that another process holds or has completed.
    static let fakeWorker = """
        #!/bin/sh
        file=$2; out=$4; threads=$6; resume=no
        [ "$8" = --resume ] && resume=yes
        id=$(basename "$file" .yaml); name=$(basename "$(dirname "$file")")
        folder="$out/$name/$id"; behaviour="$out/../behaviour/$id"
        exec 9>"$folder/.lock"
        flock -w 2 9 || { echo "$folder is being trained by another kplab process right now" >&2; exit 1; }
        grep -q '"completed"' "$folder/run.json" 2>/dev/null && { echo "$folder already holds a run" >&2; exit 1; }
        echo "$id threads=$threads resume=$resume" >> "$out/../calls"
        status=completed; code=0; seconds=0; other=
        [ -f "$behaviour" ] && read status code seconds other < "$behaviour"
        sleep "${seconds:-0}"
        [ -n "$other" ] && printf '{"status": "completed"}' > "$out/$name/$other/run.json"
        if [ "$status" = stolen ]; then  # another process completes the run while this one starts
            printf '{"status": "completed"}' > "$folder/run.json.partial" && mv "$folder/run.json.partial" "$folder/run.json"
            echo "$folder already holds a run" >&2; exit 1
        fi
        if [ "$status" = wait ]; then
            trap 'printf "{\\"status\\": \\"interrupted\\"}" > "$folder/run.json"; exit 130' INT
            touch "$out/../started-$id"
            while :; do sleep 0.05; done
        fi
        echo "epoch 1 of $id"
        echo "something went wrong in $id" >&2
        # Written whole, as kplab writes its record: a sweep that reads it half-written would
        # count the run neither finished nor another's.
        printf '{"status": "%s"}' "$status" > "$folder/run.json.partial" && mv "$folder/run.json.partial" "$folder/run.json"
        exit $code
        """

    /// The fake worker, written once before any test starts a child: a child started while
    /// another test still had its own script open for writing would inherit that descriptor,
    /// and executing the script would then fail with "text file busy".
    static let workerPath: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-fake-run-\(UUID().uuidString)").path
        try! fakeWorker.write(toFile: path, atomically: true, encoding: .utf8)
        try! FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        // Removed when the test process exits (no test runs it after that).
        atexit { try? FileManager.default.removeItem(atPath: SweepSchedulerTests.workerPath) }
        return path
    }()

    /// A scratch folder for and `count` runs of a tiny experiment (seeds 1…count).
    final class Scratch {
        let folder: String
        let runs: [SweepRun]
        var results: String { folder + "/results" }
        var worker: String { SweepSchedulerTests.workerPath }

        init(runs count: Int) throws {
            _ = SweepSchedulerTests.workerPath
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("kplab-sweep-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder + "/behaviour", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: folder + "/results", withIntermediateDirectories: true)
            runs = try (1...count).map { seed in
                let text = "name: tiny\nseed: \(seed)\nmodel: {layers: [flatten, {dense: 30}]}\ntrain: {epochs: 1}\n"
                return SweepRun(experiment: try Experiment.decode(text: text, path: "tiny.yaml"), origin: "tiny.yaml",
                                settings: ["seed=\(seed)"])
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func behave(_ run: Int, _ behaviour: String) throws {
            try behaviour.write(toFile: "\(folder)/behaviour/\(runs[run].runID)", atomically: true, encoding: .utf8)
        }

        func record(_ run: Int, status: String) throws {
            let path = "\(results)/tiny/\(runs[run].runID)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try "{\"status\": \"\(status)\"}".write(toFile: path + "/run.json", atomically: true, encoding: .utf8)
        }

        /// The fake's calls, sorted (children of several jobs finish in any order).
        var calls: [String] {
            ((try? String(contentsOfFile: folder + "/calls", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted()
        }

        func sweep(jobs: Int = 1, cores: Int = 4, failFast: Bool = false,
                   interruptions: @escaping () -> Int = { 0 }) -> (SweepOutcome, report: [String], problems: [String]) {
            let report = Lines(), problems = Lines()
            let scheduler = SweepScheduler(options: SweepOptions(jobs: jobs, cores: cores, failFast: failFast),
                                           executor: LocalProcessExecutor(worker: worker, results: results), results: results,
                                           report: { report.append($0) }, problem: { problems.append($0) },
                                           interruptions: interruptions)
            let outcome = scheduler.run(runs)
            return (outcome, report.lines, problems.lines)
        }
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func append(_ line: String) { lock.withLock { stored.append(line) } }
        var lines: [String] { lock.withLock { stored } }
    }

    @Test func everyRunTrainsOnceWithTheCoresDividedBetweenTheJobs() throws {
        let scratch = try Scratch(runs: 3)
        let (outcome, report, problems) = scratch.sweep(jobs: 2, cores: 5)
        #expect(outcome.exitStatus == 0)
        #expect(outcome.finished.sorted() == scratch.runs.map(\.runID).sorted())
        #expect(problems.isEmpty)
        #expect(scratch.calls == scratch.runs.map { "\($0.runID) threads=2 resume=no" }.sorted())
        #expect(report.count == 3 && report.allSatisfy { $0.contains(" completed ") })
        // The expanded experiment is handed over as a file; the child's output goes to the run's log.
        let first = RunFolder(results: scratch.results, experiment: "tiny", runID: scratch.runs[0].runID)
        #expect(try String(contentsOfFile: first.sweepExperiment, encoding: .utf8) == scratch.runs[0].experiment.canonicalText)
        #expect(lastLines(of: first.sweepLog(), count: 2) == ["epoch 1 of \(scratch.runs[0].runID)", "something went wrong in \(scratch.runs[0].runID)"])
        #expect(outcome.summary == "3 runs: 3 finished")
    }

    @Test func completedRunsAreSkippedAndInterruptedOnesResumed() throws {
        let scratch = try Scratch(runs: 4)
        try scratch.record(0, status: "completed")
        try scratch.record(1, status: "early-stopped")
        try scratch.record(2, status: "interrupted")
        try scratch.record(3, status: "diverged")
        let (outcome, report, _) = scratch.sweep(cores: 1)
        #expect(outcome.exitStatus == 0)
        #expect(outcome.skipped == [scratch.runs[0].runID, scratch.runs[1].runID])
        #expect(scratch.calls == ["\(scratch.runs[2].runID) threads=1 resume=yes",
                                  "\(scratch.runs[3].runID) threads=1 resume=no"].sorted())
        #expect(report[0] == "[1/4] skipped       \(scratch.runs[0].runID)  seed=1  (already completed)")
        #expect(report[1] == "[2/4] skipped       \(scratch.runs[1].runID)  seed=2  (already early-stopped)")
        // Run again: everything is finished now.
        let again = scratch.sweep()
        #expect(again.0.skipped.count == 4 && again.0.exitStatus == 0)
    }

    @Test func aFailureIsReportedAtOnceAndTheOthersCarryOn() throws {
        let scratch = try Scratch(runs: 3)
        try scratch.behave(0, "diverged 1")
        let (outcome, report, problems) = scratch.sweep()
        #expect(outcome.exitStatus == 1)
        #expect(outcome.finished == [scratch.runs[1].runID, scratch.runs[2].runID])
        let id = scratch.runs[0].runID
        let log = "\(scratch.results)/tiny/\(id)/sweep-\(RunFolder.thisProcess).log"
        #expect(report[0].hasPrefix("[1/3] FAILED        \(id)  seed=1  "))
        #expect(report[0].hasSuffix(" exit 1 (diverged)"))
        #expect(problems.count == 1)
        #expect(problems[0].hasPrefix("tiny.yaml: \(id) failed with exit status 1, status diverged; last lines of \(log):\n"))
        #expect(problems[0].hasSuffix("\n    epoch 1 of \(id)\n    something went wrong in \(id)"))
        #expect(outcome.summary == """
            3 runs: 2 finished, 1 failed
            failed: \(id) (tiny.yaml) exit 1, diverged; log: \(log)
            """)
    }

    @Test func failFastStartsNothingAfterTheFirstFailure() throws {
        let scratch = try Scratch(runs: 3)
        try scratch.behave(0, "failed 3")
        let (outcome, _, _) = scratch.sweep(failFast: true)
        #expect(outcome.exitStatus == 1)
        #expect(outcome.failed.map(\.exitStatus) == [3])
        #expect(outcome.notStarted == [scratch.runs[1].runID, scratch.runs[2].runID])
        #expect(scratch.calls.count == 1)
        #expect(outcome.summary.hasPrefix("3 runs: 1 failed, 2 not started\n"))
    }

    @Test func ctrlCIsForwardedOnceAndTheRunsAreLeftResumable() throws {
        let scratch = try Scratch(runs: 3)
        try scratch.behave(0, "wait")
        try scratch.behave(1, "wait")
        let started = { (0...1).allSatisfy { FileManager.default.fileExists(atPath: "\(scratch.folder)/started-\(scratch.runs[$0].runID)") } }
        // The deadline only keeps a broken build from hanging the suite; the expectations below fail then.
        let deadline = Date().addingTimeInterval(60)
        let (outcome, _, problems) = scratch.sweep(jobs: 2, interruptions: { started() || Date() > deadline ? 1 : 0 })
        #expect(outcome.exitStatus == 130)
        #expect(outcome.wasInterrupted)
        #expect(outcome.interrupted.sorted() == [scratch.runs[0].runID, scratch.runs[1].runID].sorted())
        #expect(outcome.notStarted == [scratch.runs[2].runID])
        #expect(problems.isEmpty)
        let folder = RunFolder(results: scratch.results, experiment: "tiny", runID: scratch.runs[0].runID)
        #expect(folder.state == .resumable(status: .interrupted))
    }

    @Test func aRunFinishedByAnotherProcessMeanwhileIsSkippedNotFailed() throws {
        let scratch = try Scratch(runs: 2)
        // Run 2 is completed by someone else while it waits in the queue: its record is written by
        // run 1's worker as it ends, not by a timed thread (on a loaded machine one wrote too late,
        // and the run was started and found completed: the case below).
        try scratch.behave(0, "completed 0 0 \(scratch.runs[1].runID)")
        try FileManager.default.createDirectory(atPath: "\(scratch.results)/tiny/\(scratch.runs[1].runID)",
                                                withIntermediateDirectories: true)
        let (outcome, report, problems) = scratch.sweep()
        #expect(outcome.exitStatus == 0 && problems.isEmpty)
        #expect(outcome.finished == [scratch.runs[0].runID] && outcome.skipped == [scratch.runs[1].runID])
        #expect(report[1].hasSuffix("(already completed)"))

        // Lost the race itself: the worker finds the run completed by someone else and exits 1.
        let late = try Scratch(runs: 1)
        try late.behave(0, "stolen 1")
        let (lateOutcome, lateReport, lateProblems) = late.sweep()
        #expect(lateOutcome.exitStatus == 0 && lateProblems.isEmpty && lateOutcome.skipped == [late.runs[0].runID])
        #expect(lateReport == ["[1/1] skipped       \(late.runs[0].runID)  seed=1  (completed by another process)"])
    }

    @Test func twoSweepsOfTheSameRunsShareTheResultsFolderWithoutFailures() throws {
        let scratch = try Scratch(runs: 4)
        for run in 0..<4 { try scratch.behave(run, "completed 0 0.2") }
        let outcomes = Lines(), allProblems = Lines()
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                let (outcome, _, problems) = scratch.sweep(jobs: 2)
                outcomes.append("exit \(outcome.exitStatus) failed \(outcome.failed.count) problems \(problems.count) "
                                + "done \(outcome.finished.count + outcome.skipped.count)")
                problems.forEach(allProblems.append)
            }
        }
        group.wait()
        // Both sweeps run in this one process, so they also share its pid: the experiment files
        // they both write must not share a temporary (AtomicFile), or one start fails.
        #expect(outcomes.lines == ["exit 0 failed 0 problems 0 done 4", "exit 0 failed 0 problems 0 done 4"],
                "\(allProblems.lines.joined(separator: "\n"))")
        // Every run was trained once, by one of the two.
        #expect(Set(scratch.calls.map { String($0.split(separator: " ")[0]) }) == Set(scratch.runs.map(\.runID)))
        #expect(scratch.calls.count == 4)
    }

    @Test func shardsAreDisjointAndCoverEveryRun() throws {
        for count in 1...5 {
            let shards = try (1...count).map { try Shard(index: $0, count: count) }
            for position in 0..<23 {
                #expect(shards.filter { $0.contains(position: position) }.count == 1)
            }
        }
        #expect(try Shard(parsing: "2/3") == Shard(index: 2, count: 3))
        #expect((0..<7).filter { (try? Shard(parsing: "2/3"))!.contains(position: $0) } == [1, 4])
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            #expect(throws: UserError.self) { try Shard(parsing: bad) }
        }
    }

    @Test func slurmArrayTasksChooseTheShard() throws {
        #expect(try Shard.slurm(environment: [:]) == nil)
        #expect(try Shard.slurm(environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4",
                                              "SLURM_ARRAY_TASK_MIN": "0"]) == Shard(index: 1, count: 4))
        #expect(try Shard.slurm(environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4",
                                              "SLURM_ARRAY_TASK_MIN": "1"]) == Shard(index: 4, count: 4))
        #expect(try Shard.slurm(environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"])
                == Shard(index: 4, count: 4))
        #expect(try Shard.slurm(environment: ["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_COUNT": "4",
                                              "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "2"]) == Shard(index: 4, count: 4))
        #expect(throws: UserError.self) {
            try Shard.slurm(environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"])
        }
    }

    @Test func theTimeLeftIsTheMeanRunTimesTheRunsLeftOverTheJobs() {
        #expect(SweepScheduler.timeLeft(runs: 0, durations: [10], jobs: 1) == "")
        #expect(SweepScheduler.timeLeft(runs: 5, durations: [], jobs: 1) == "")
        #expect(SweepScheduler.timeLeft(runs: 3, durations: [10, 20], jobs: 1) == "  (about 45 s left)")
        #expect(SweepScheduler.timeLeft(runs: 12, durations: [60], jobs: 2) == "  (about 6 min left)")
        #expect(SweepScheduler.timeLeft(runs: 100, durations: [600], jobs: 4) == "  (about 4.2 h left)")
    }

}
