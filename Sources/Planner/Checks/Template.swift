/// A string with `{placeholder}` fields, as used by the spec's name and description templates.
struct Template {
    enum Piece: Equatable { case text(String), field(String) }
    let pieces: [Piece]

    /// Splits `text` into literal text and `{name}` fields. Returns `nil` for an unbalanced brace.
    init?(_ text: String) {
        var pieces: [Piece] = []
        var literal = ""
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            if c == "{" {
                var name = ""
                var closed = false
                while let d = iterator.next() {
                    if d == "}" { closed = true; break }
                    if d == "{" { return nil }
                    name.append(d)
                }
                guard closed, !name.isEmpty else { return nil }
                if !literal.isEmpty { pieces.append(.text(literal)); literal = "" }
                pieces.append(.field(name))
            } else if c == "}" {
                return nil
            } else {
                literal.append(c)
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        self.pieces = pieces
    }

    /// The field names used, in order of first use.
    var fields: [String] {
        var seen: [String] = []
        for case .field(let name) in pieces where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// Fills every field from `values` (fields missing from `values` expand to "").
    func render(_ values: [String: String]) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let s): out += s
            case .field(let name): out += values[name] ?? ""
            }
        }
        return out
    }
}
