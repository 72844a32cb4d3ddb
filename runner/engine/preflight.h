/* preflight.h: before any load, check that the target accepts a TCP connection
 * and, for https, a verified TLS handshake.
 *
 * A run against a target that is not there, or whose certificate does not
 * verify, would otherwise fill its results with connect or TLS errors; fr_run
 * turns a failed preflight into its own status, FR_RUN_UNREACHABLE, with the
 * reason, e.g. "Connection refused" or "TLS: SSL: no alternative certificate
 * subject name matches target host name '127.0.0.1'".
 */
#ifndef FR_PREFLIGHT_H
#define FR_PREFLIGHT_H

#include "plan/plan.h"

/* Checks that BASE_URL's host:port accepts a TCP connection within
 * TIMEOUT_MS and, when BASE_URL is https, completes a TLS handshake whose
 * certificate verifies against CA_FILE (NULL: the system's CAs) and names
 * the host. Returns 0, or -1 with the reason in *ERR_OUT (caller frees):
 * "Connection refused", a resolver message, "cannot parse the URL", "TLS:
 * " and curl's message, which names the host when the name does not match. */
int fr_preflight_check(const char *base_url, const char *ca_file, int timeout_ms, char **err_out);

/* The same for everything PLAN connects to before its load: its target, then
 * the websocket scenarios' absolute connect URLs (ws:// as http://, wss:// as
 * https://, with the plan's CA file) whose host holds no variable. Returns 0,
 * or -1 with "target URL is unreachable: WHY" in *ERR_OUT (caller frees). */
int fr_preflight_plan(const struct fr_plan *plan, int timeout_ms, char **err_out);

#endif
