import ForgeCLI
import ForgeToolsCLI

/// The companion executable: `lock`, `pin`, `pack`, `unpack` and `bump`, which `sglang-forge`
/// hands over to it (async, for `lock`'s and `bump`'s network requests).
@main
struct Entry {
    static func main() async {
        // Before any other thread allocates: `pack`'s threads share one arena (AllocatorTuning).
        AllocatorTuning.retainFreedMemory()
        AllocatorTuning.shareArenas()
        await ToolsCommand.main()
    }
}
