// libgit2's public API (https://libgit2.org/docs/reference/), imported only by the `Git` module.
#include <git2.h>
