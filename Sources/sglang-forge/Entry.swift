import ForgeCLI

/// The executable: runs the command line (async, for `lock`'s network requests).
@main
struct Entry {
    static func main() async {
        await ForgeCommand.main()
    }
}
