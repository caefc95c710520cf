import Foundation
import Reports
import Results
import Testing

@Suite struct ComparePictureTests {
    func comparison(groupKeys: [String] = []) throws -> Comparison {
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.standardRuns()
        return try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs, groupKeys: groupKeys)
    }

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func oneSolidValidationAndOneDashedTrainingPathPerRun() throws {
        let svg = try comparison().curves.svg
        #expect(count("<path class=\"validation\"", in: svg) == 4)
        #expect(count("<path class=\"training\"", in: svg) == 4)
        let validation = svg.split(separator: "\n").filter { $0.hasPrefix("<path class=\"validation\"") }
        let training = svg.split(separator: "\n").filter { $0.hasPrefix("<path class=\"training\"") }
        #expect(validation.allSatisfy { !$0.contains("stroke-dasharray") })
        #expect(training.allSatisfy { $0.contains("stroke-dasharray=\"5 3\"") })
        // Each run has its own colour, the same for both of its curves.
        let colours = validation.map { $0.components(separatedBy: "stroke=\"")[1].prefix(7) }
        #expect(Set(colours).count == 4)
        #expect(training.map { $0.components(separatedBy: "stroke=\"")[1].prefix(7) } == colours)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    }

    @Test func logAxisHasDecadeTicksAndLabelledAxes() throws {
        let svg = try comparison().curves(measure: .loss).svg
        // Losses 0.002 … 0.03 span the decades 0.001 … 0.1.
        for label in [">0.001<", ">0.01<", ">0.1<"] { #expect(svg.contains(label)) }
        // Two decades: 2 and 5 of each are labelled too.
        for label in [">0.002<", ">0.005<", ">0.02<", ">0.05<"] { #expect(svg.contains(label)) }
        let yTicks = svg.components(separatedBy: "<g class=\"y-ticks\"")[1].components(separatedBy: "</g>")[0]
        #expect(!yTicks.contains(">1<"))
        #expect(count("<text", in: yTicks) == 3 + 4)
        #expect(svg.contains(">epoch</text>"))
        #expect(svg.contains(">loss (normalised MSE)</text>"))
        // The legend is keyed by the differing parameters.
        for header in [">seed<", ">weights<", ">status<"] { #expect(svg.contains(header)) }
    }

    /// By default the curves are RMSE in pixels, under the mean face's line; a group's mean
    /// curve carries its ± one standard deviation band; the epoch axis starts at 1.
    @Test func curvesAreInPixelsUnderTheMeanFaceWithBandsForGroups() throws {
        let svg = try comparison().curves.svg
        #expect(svg.contains(">RMSE per epoch</text>") && svg.contains(">RMSE (px): validation solid, training dashed</text>"))
        #expect(svg.contains("<g class=\"mean-face\">") && svg.contains(">mean face 4.500 px</text>"))
        // RMSEs 2.4 … 8 px span the decade 1 … 10 (2 and 5 labelled).
        let yTicks = svg.components(separatedBy: "<g class=\"y-ticks\"")[1].components(separatedBy: "</g>")[0]
        for label in [">1<", ">10<", ">2<", ">5<"] { #expect(yTicks.contains(label)) }
        let xTicks = svg.components(separatedBy: "<g class=\"x-ticks\"")[1].components(separatedBy: "</g>")[0]
        #expect(xTicks.contains(">1</text>") && !xTicks.contains(">0</text>"))
        #expect(!svg.contains("class=\"band\""))
        let grouped = try comparison(groupKeys: ["model.init.weights"]).curves.svg
        // He: two runs, a band; Xavier: one run left after its diverged seed, no band.
        #expect(grouped.components(separatedBy: "<path class=\"band\"").count - 1 == 1)
        #expect(grouped.contains("shaded: ± one standard deviation of validation over each group's runs"))
        // Each run of a group drawn thin in its group's colour: he's two, xavier's one left after its diverged seed.
        #expect(grouped.components(separatedBy: "<path class=\"member\"").count - 1 == 2)
    }

    @Test func aDivergedEpochBreaksTheLine() {
        let rows = [(1, 0.1), (2, Double.nan), (3, 0.05), (4, 0.04)].map {
            MetricsLog.Row(epoch: $0.0, trainLoss: $0.1, validationLoss: $0.1, validationRMSEPixels: 1,
                           learningRate: 0.01, seconds: 1)
        }
        let svg = CurvePlot(series: [.init(label: "r", legendValues: ["r"], rows: rows)], legendColumns: ["run"]).svg
        let path = svg.split(separator: "\n").first { $0.hasPrefix("<path class=\"validation\"") }!
        #expect(count("M", in: String(path)) == 2)
        #expect(count("L", in: String(path)) == 1)
    }

    @Test func twentyRunsGetTwentyColoursAndOneLegendLineEach() {
        let series = (0..<20).map { index in
            CurvePlot.Series(label: "\(index)", legendValues: ["\(index)", "conv32k3-relu-pool2-conv64k2-relu-pool2-dense500-relu-dense30"],
                             rows: [MetricsLog.Row(epoch: 1, trainLoss: 0.1, validationLoss: 0.1, validationRMSEPixels: 1,
                                                   learningRate: 0.01, seconds: 1),
                                    MetricsLog.Row(epoch: 2, trainLoss: 0.05, validationLoss: 0.06, validationRMSEPixels: 1,
                                                   learningRate: 0.01, seconds: 1)])
        }
        let svg = CurvePlot(series: series, legendColumns: ["seed", "layers"]).svg
        let colours = svg.split(separator: "\n").filter { $0.hasPrefix("<path class=\"validation\"") }
            .map { $0.components(separatedBy: "stroke=\"")[1].prefix(7) }
        #expect(Set(colours).count == 20)
        // The long architecture is written once, in the key under the legend, not twenty times.
        #expect(count("conv32k3-relu-pool2", in: svg) == 1)
        #expect(svg.contains(">  A = conv32k3-relu-pool2-conv64k2-relu-pool2-dense500-relu-dense30</text>"))
    }

    @Test func groupedCurvesAreOnePerGroup() throws {
        let svg = try comparison(groupKeys: ["model.init.weights"]).curves.svg
        #expect(count("<path class=\"validation\"", in: svg) == 2)
        // The diverged seed is left out of the xavier mean curve and counted in the legend.
        #expect(svg.contains(">1 of 2 (1 diverged)<"))
    }

    @Test func htmlReportIsOneSelfContainedPage() throws {
        // The run folders stay while the page is written: it reads each run's diagnosis there.
        let fixtures = try CompareFixtures()
        defer { fixtures.remove() }
        try fixtures.standardRuns()
        let html = try Comparison(runs: try RunDiscovery.load(paths: [fixtures.root]).runs).html(command: "kplab compare results")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(count("<tr>", in: html) == 5)
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(html.contains("<style>"))
        for external in ["<script", "src=", "href=", "<link"] { #expect(!html.contains(external)) }
        #expect(html.contains("<td class=\"status-diverged\">diverged, no better than the mean face</td>"))
        #expect(html.contains("<th title=\"model.init.weights\">weights</th>"))
        // Each run's verdict, as `kplab diagnose` gives it.
        #expect(html.contains("<h2>Diagnosis</h2>"))
        #expect(html.contains("<p class=\"healthy\">nothing wrong found: best validation RMSE 2.400 px at epoch 3, 47% below the mean face"))
        #expect(html.contains("<li>the run diverged at learning rate 0.01: "))
    }
}
