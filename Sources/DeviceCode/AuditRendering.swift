import CUDACompatibility
import Foundation

/// Renders ``DeviceCodeFile``s as the `audit` table or its JSON (docs/audit.md). Pure.
public enum AuditRendering {
    /// One row per file and target: `FILE  TARGET  ENTRIES  KERNELS  COMPRESSED  CUDART`, a
    /// `no device code` row for files without any, and a summary line.
    public static func table(_ files: [DeviceCodeFile]) -> String {
        var rows: [[String]] = [["FILE", "TARGET", "ENTRIES", "KERNELS", "COMPRESSED", "CUDART"]]
        for file in files {
            let cudart = file.cudaRuntimeMajors.isEmpty ? "-" : file.cudaRuntimeMajors.map { "libcudart.so.\($0)" }.joined(separator: ",")
            if file.entries.isEmpty {
                rows.append([file.path, "no device code", "", "", "", cudart])
                continue
            }
            for target in file.targets {
                let entries = file.entries.filter { $0.target == target }
                let kernels = target.kind == .ptx ? "-" : file.kernels(of: target).map(String.init) ?? "?"
                let compressed = entries.filter { $0.compression != .none }
                let compression = compressed.isEmpty ? "-" : Dictionary(grouping: compressed, by: \.compression).map { "\($0.value.count) \($0.key.rawValue)" }.sorted().joined(separator: ", ")
                rows.append([file.path, target.description, String(entries.count), kernels, compression, cudart])
            }
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var text = rows.map { row in
            row.enumerated().map { $0.offset == row.count - 1 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
        let all = Set(files.flatMap(\.targets)).sorted().map(\.description)
        let withCode = files.filter { !$0.entries.isEmpty }.count
        text += "\(files.count) file\(files.count == 1 ? "" : "s"), \(withCode) with device code; targets: \(all.isEmpty ? "none" : all.joined(separator: " "))\n"
        let unknown = files.flatMap(\.entries).filter { $0.target.kind == .sass && $0.kernels == nil }
        if !unknown.isEmpty { text += "note: \(unknown.count) cubin(s) could not be read to count kernels (\(unknown.first?.note ?? "")) \n" }
        return text
    }

    /// `{"files": [{"path", "kind", "containers", "needed", "cudaRuntimeMajors", "targets":
    /// [{"target", "kind", "entries", "kernels", "compressed"}]}]}`, keys sorted.
    public static func json(_ files: [DeviceCodeFile]) -> String {
        struct Target: Encodable { var target: String; var kind: String; var entries: Int; var kernels: Int?; var compressed: Int }
        struct File: Encodable {
            var path: String; var kind: String; var containers: Int; var needed: [String]; var cudaRuntimeMajors: [Int]; var targets: [Target]
        }
        let payload = ["files": files.map { f in
            File(path: f.path, kind: f.kind.rawValue, containers: f.containers, needed: f.needed, cudaRuntimeMajors: f.cudaRuntimeMajors,
                 targets: f.targets.map { t in
                     let entries = f.entries.filter { $0.target == t }
                     return Target(target: t.description, kind: t.kind.rawValue, entries: entries.count, kernels: t.kind == .ptx ? nil : f.kernels(of: t),
                                   compressed: entries.filter { $0.compression != .none }.count)
                 })
        }]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(payload)) ?? Data(), as: UTF8.self) + "\n"
    }
}
