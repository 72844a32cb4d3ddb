/* ws_target.h: where and how a websocket scenario's viewers connect.
 *
 * The scenario's `connect` URL (ws://, wss://, or a path on the plan's
 * target), its `headers` after the plan's auth headers, and its `subscribe`
 * message are templates: they are expanded from the run's variables when a
 * driver is created and again at every pass (setup captures such as a
 * dashboard id exist only once the pass's setup has run). The host is
 * resolved to a numeric address here, once, because libwebsockets resolves
 * with blocking calls on the loop's thread.
 */
#ifndef FR_WS_TARGET_H
#define FR_WS_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/http.h"
#include "plan/plan.h"
#include "plan/vars.h"

struct fr_ws_target {
	char *address; /* numeric host to connect to */
	char *host;    /* "host:port" for the Host and Origin headers */
	char *path;    /* "/path?query" */
	int port;
	int ssl;
	char **hname, **hvalue; /* "Name:" and the expanded value */
	size_t nheaders;
	unsigned char *sub; /* LWS_PRE bytes of headroom, then the subscribe message; NULL: none */
	size_t sublen;
};

/* Expands SC's connect URL (a path goes on TGT's base URL, or the plan's),
 * headers and subscribe message of PLAN from VARS into T, replacing what T
 * held; RNG seeds ${rand:…} (the caller's state is not advanced). Returns 0,
 * or -1 with a message in *ERR_OUT (caller frees) when the URL is not
 * usable: "websocket URL 'ftp://x' is not ws://, wss:// or a path on the
 * target", "websocket URL 'ws://nowhere:1/': cannot resolve host or bad port",
 * or a header value holds CR or LF (a captured value would inject headers
 * into the handshake): "websocket viewers: refused: header 'X-Tok' has a CR
 * or LF in its value". */
int fr_ws_target_expand(struct fr_ws_target *t, const struct fr_plan *plan, const struct fr_scenario *sc,
                        const struct fr_http_target *tgt, const struct fr_varstore *vars, uint64_t rng, char **err_out);

/* Frees what T holds and empties it. */
void fr_ws_target_clear(struct fr_ws_target *t);

#endif
