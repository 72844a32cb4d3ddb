/* preflight.h: before any load, check that the target accepts a TCP connection.
 *
 * A run against a target that is not there would otherwise fill its results
 * with connect errors; fr_run turns a failed preflight into its own status,
 * FR_RUN_UNREACHABLE, with the reason, e.g. "Connection refused".
 */
#ifndef FR_PREFLIGHT_H
#define FR_PREFLIGHT_H

/* Checks that BASE_URL's host:port accepts a TCP connection within
 * TIMEOUT_MS. Returns 0, or -1 with the reason in *ERR_OUT (caller frees):
 * "Connection refused", a resolver message, "cannot parse the URL". */
int fr_preflight_check(const char *base_url, int timeout_ms, char **err_out);

#endif
