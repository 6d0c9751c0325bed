import CUDACompatibility
import Planner
import Testing

@Suite struct CUDASupportTests {
    let cuda128 = CUDAVersion(12, 8)

    @Test func numericCapabilitiesAgainstCUDA128() {
        for supported in ["5.0", "6.1", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0", "9.0a", "10.0a"] {
            #expect(CUDASupport.check(supported, cuda: cuda128) == .supported, "\(supported)")
        }
        #expect(CUDASupport.supported(by: cuda128).first == "5.0")
        #expect(CUDASupport.supported(by: cuda128).last == "12.0")
    }

    @Test func problems() {
        #expect(CUDASupport.check("sm_90", cuda: cuda128) == .wrongForm(suggestion: "9.0"))
        #expect(CUDASupport.check("compute_100a", cuda: cuda128) == .wrongForm(suggestion: "10.0a"))
        #expect(CUDASupport.check("90", cuda: cuda128) == .wrongForm(suggestion: "9.0"))
        #expect(CUDASupport.check("9", cuda: cuda128) == .wrongForm(suggestion: nil))
        #expect(CUDASupport.check("8.8", cuda: cuda128) == .unknownCapability)
        #expect(CUDASupport.check("10.3", cuda: cuda128) == .tooNew(first: CUDAVersion(12, 9)))
        #expect(CUDASupport.check("10.0", cuda: CUDAVersion(12, 6)) == .tooNew(first: CUDAVersion(12, 8)))
        #expect(CUDASupport.check("6.1", cuda: CUDAVersion(13, 0)) == .dropped(last: CUDAVersion(12, 9)))
        #expect(CUDASupport.check("3.5", cuda: cuda128) == .dropped(last: CUDAVersion(11, 8)))
        #expect(CUDASupport.check("8.0a", cuda: cuda128) == .badSuffix("the 'a' suffix exists only for capability 9.0 and newer"))
        #expect(CUDASupport.check("10.0f", cuda: cuda128) == .badSuffix("the 'f' suffix needs capability 10.0 or newer and CUDA 12.9 or newer"))
        #expect(CUDASupport.check("10.0f", cuda: CUDAVersion(12, 9)) == .supported)
    }
}

@Suite struct GraphTests {
    let edges: [String: [String]] = ["a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []]

    @Test func dependenciesComeFirstInADeterministicOrder() throws {
        let order = try GraphAlgorithms.topologicalSort(roots: ["a"], successors: { edges[$0] ?? [] })
        #expect(order == ["d", "b", "c", "a"])
    }

    @Test func cyclesCarryTheWholePath() {
        let cyclic = ["a": ["b"], "b": ["c"], "c": ["a"], "x": ["a"]]
        do {
            _ = try GraphAlgorithms.topologicalSort(roots: ["x"], successors: { cyclic[$0] ?? [] })
            Issue.record("expected a cycle")
        } catch {
            #expect(error.path == ["a", "b", "c", "a"])
        }
    }

    @Test func deepChainsDoNotOverflowTheStack() throws {
        let n = 100_000
        let order = try GraphAlgorithms.topologicalSort(roots: [0], successors: { $0 < n ? [$0 + 1] : [] })
        #expect(order.count == n + 1)
        #expect(order.first == n)
    }
}

@Suite struct GlobTests {
    @Test func shellWildcards() {
        #expect(Glob.matches("sglang-python312-cuda12_8-sm90-avx512", pattern: "*-sm90-*"))
        #expect(Glob.matches("sglang-python312-cuda12_8-sm90-avx512", pattern: "*avx51?"))
        #expect(Glob.matches("sm61", pattern: "sm[5-7]1"))
        #expect(!Glob.matches("sm81", pattern: "sm[!8]1"))
        #expect(!Glob.matches("sm90-avx2", pattern: "*-sm90-*"))
        #expect(Glob.matches("abc", pattern: "*"))
        #expect(Glob.matches("a[b", pattern: "a[b"))
    }
}
