/// Twenty colours that stay apart from each other on a white background (no pale yellows or
/// pastels, which vanish as thin lines): Tableau 10, then ten darker or more saturated hues.
/// The first ones differ most, so small comparisons get the clearest colours. With more than
/// twenty series the colours repeat.
enum Palette {
    static let colours = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
        "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
        "#000075", "#800000", "#469990", "#f032e6", "#808000",
        "#e6a800", "#4b0082", "#b15928", "#56b4e9", "#222222",
    ]

    static func colour(_ index: Int) -> String { colours[index % colours.count] }
}
