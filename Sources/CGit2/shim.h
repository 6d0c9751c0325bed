// libgit2's public API (https://libgit2.org/docs/reference/), imported only by the `Git` module.
#include <git2.h>

// `git_libgit2_opts` is variadic, which Swift cannot call; these wrappers fix its arguments.
static inline int cgit2_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
