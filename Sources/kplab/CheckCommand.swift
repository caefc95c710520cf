import ArgumentParser
import Experiments
import YAML

/// `kplab check FILE…`: decode each experiment, infer its network's shapes, print a summary.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate experiment files and print each one's model summary.",
        discussion: """
            Each file is decoded exactly as 'kplab run' would decode it (with the same --set \
            overrides), and its network's shapes are inferred from the 1×96×96 input before \
            anything is allocated. For a valid file it prints the settings in words and a table \
            of layers: output shape, parameters, forward MFLOPs per image and the resolved \
            initializer of each conv and dense layer, with totals. For a cascade it describes \
            level 1 and the groups, and shows a level-2 net on its patch with the output layer \
            the cascade adds.

            Errors are printed to standard error as 'file:line:column: message' with the \
            offending line and a caret under the column. Nothing is written anywhere.

            Exit status: 0 when every file is valid, 2 when any file (or --set) has an error.
            """)

    @Argument(help: ArgumentHelp("Experiment files (.yaml) to check.", valueName: "file"))
    var files: [String]

    @OptionGroup var experimentOptions: ExperimentOptions

    @Flag(help: "Also print each experiment's fully resolved configuration (every default filled in), as 'kplab run' records it in config.yaml.")
    var resolved = false

    func run() throws {
        let overrides = try experimentOptions.parsedOverrides()
        var failures = 0
        for (position, file) in files.enumerated() {
            do {
                if position > 0 { print("") }
                switch try ExperimentFile.load(contentsOfFile: file, overrides: overrides) {
                case .single(let experiment):
                    let summary = try ModelSummary(model: experiment.model)  // cannot fail: load checked the shapes
                    print("\(file): ok")
                    print(experiment.overview)
                    print(summary)
                    if resolved {
                        print(experiment.seed == nil ? "resolved configuration (the seed is drawn when it runs):"
                                                     : "resolved configuration (config hash \(experiment.configHash)):")
                        print(experiment.canonicalText, terminator: "")
                    }
                case .cascade(let cascade):
                    print("\(file): ok")
                    print(cascade.overview)
                    // Every net has these layers; they differ only in the output layer the cascade adds.
                    let sizes = Set(cascade.cascade.groups.map(\.count)).sorted()
                    let first = cascade.cascade.groups.firstIndex { $0.count == sizes[0] }!
                    print("level-2 net \(CascadeSpec.groupName(cascade.cascade.groups[first]))"
                          + (sizes.count > 1 || cascade.cascade.groups.count > 1 ? " (the others end in 2 outputs per keypoint of their group):" : ":"))
                    print(try ModelSummary(model: cascade.cascade.level2Model(group: first)))
                    if resolved {
                        print("resolved configuration (level 1's hashes are added when it runs):")
                        print(cascade.canonicalText, terminator: "")
                    }
                }
            } catch let diagnostic as Diagnostic {
                printError(diagnostic.description)
                failures += 1
            }
        }
        if failures > 0 {
            printError("\(failures) of \(files.count) file\(files.count == 1 ? "" : "s") with errors")
            throw ExitCode(2)
        }
    }
}
