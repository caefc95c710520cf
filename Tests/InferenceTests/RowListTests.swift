import Inference
import Results
import Testing

@Suite struct UseRowListTests {
    @Test func rangesAndListsReadAsPeopleWriteThem() throws {
        #expect(try RowList.parse("0-23") == Array(0 ... 23))
        #expect(try RowList.parse("7") == [7])
        #expect(try RowList.parse("0-3,10, 20-22") == [0, 1, 2, 3, 10, 20, 21, 22])
        #expect(try RowList.parse("5,2,5") == [5, 2, 5], "order as given, repeats kept")
        #expect(try RowList.parse("4-4") == [4])
    }

    @Test func badListsSayWhatIsWrong() {
        func message(_ text: String) -> String {
            do {
                _ = try RowList.parse(text)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("5-2") == "--rows 5-2: the range 5-2 runs backwards (did you mean 2-5?)")
        #expect(message("a") == "--rows a: 'a' is not a row number (rows are counted from 0)")
        #expect(message("1,,2") == "--rows 1,,2: an empty item; write row numbers and ranges separated by commas, e.g. 0-23 or 0,5,10-12")
        #expect(message("1-2-3") == "--rows 1-2-3: '1-2-3' is not a row number or a range such as 0-23")
        #expect(message("-3") == "--rows -3: '-3' is not a row number or a range such as 0-23 (rows are counted from 0)")
        #expect(message("4-") == "--rows 4-: '4-' is not a row number or a range such as 0-23 (rows are counted from 0)")
    }

    @Test func rowsPastTheEndNameTheFileAndItsRange() throws {
        try RowList.check([0, 23], rowCount: 24, file: "faces.csv")
        #expect(throws: UserError.self) { try RowList.check([0, 24], rowCount: 24, file: "faces.csv") }
        do {
            try RowList.check([3, 30, 40], rowCount: 24, file: "faces.csv")
        } catch {
            #expect("\(error)" == "--rows: row 30 is past the end of faces.csv (24 data rows: rows 0-23)")
        }
    }
}
