import ForgeCLI

/// The executable: runs the command line, handing `lock`, `pin`, `pack`, `unpack` and `bump` to
/// `sglang-forge-tools` next to it (async, for the plugin host and `select`).
@main
struct Entry {
    static func main() async {
        await ForgeCommand.run()
    }
}
