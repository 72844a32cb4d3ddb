/* llhttp_api.c: compiles Debian's llhttp source api.c as one object of flowrun.
 *
 * Debian packages llhttp (the HTTP parser of Node.js, maintained by its
 * authors) as sources: node-llhttp, which provides llhttp-dev, installs
 * /usr/share/llhttp/{api,http,llhttp}.c and /usr/share/include/llhttp/llhttp.h.
 * configure finds them (LLHTTP_SRCDIR, LLHTTP_CFLAGS); each is built as it is,
 * in an object of its own as upstream does, with warnings off: the code is theirs.
 */
#include "api.c"
