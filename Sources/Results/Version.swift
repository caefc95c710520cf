/// The version recorded in every run record and printed by `kplab --version`.
public let kplabVersion = "0.2.0"
