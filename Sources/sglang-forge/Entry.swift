import ForgeCLI

/// The executable: runs the command line, handing `lock`, `pin`, `pack`, `unpack` and `bump` to
/// `sglang-forge-tools` next to it.
@main
struct Entry {
    static func main() {
        ForgeCommand.run()
    }
}
