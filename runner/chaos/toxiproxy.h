/* toxiproxy.h: a small blocking client for the Toxiproxy v2 HTTP API.
 *
 * flowrun injects its TCP faults through Toxiproxy: a fault is a toxic added to
 * a proxy (or, for `down`, the proxy disabled) and removed again at the end of
 * its window. This client does one HTTP call per function over the blocking
 * control-API client (util/httpapi.h), with a 1 s connect timeout and a 3 s
 * total timeout, so a dead or hanging Toxiproxy costs at most 3 s per call. It is meant for the
 * fault thread (faults.c) and the checks before a run, never for a load loop.
 *
 * A client is not thread-safe: use it from one thread at a time.
 *
 * Every call returns an enum fr_toxi_status (0 on success). On failure the
 * message, which names the Toxiproxy URL and carries Toxiproxy's own error
 * text, is kept in the client until the next call: fr_toxi_error().
 *
 * Everything flowrun adds is named "flowrun-<expiry>-<run-id>-<fault>"
 * (fr_toxi_name): EXPIRY is the unix time after which the fault is surely
 * over (its planned end plus FR_TOXI_GRACE_S), so that toxics left behind by
 * a crashed run can be told from those of a run still going on the same
 * Toxiproxy. fr_toxi_remove_leftovers removes what a struct fr_toxi_sweep
 * names: the expired ones, one run's, or all of them (--clean-leftovers);
 * names without an expiry (flowrun before expiries) count as expired. A
 * proxy disabled by a `down` fault carries a marker toxic
 * "flowrun-<expiry>-<run-id>-down-<fault>" (a latency toxic of 0 ms, added
 * before the proxy is disabled and removed after it is enabled again), so a
 * proxy left disabled by a crash is recognisable as flowrun's, and is
 * re-enabled when its marker goes.
 */
#ifndef FR_TOXIPROXY_H
#define FR_TOXIPROXY_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

#define FR_TOXI_PREFIX    "flowrun-"
#define FR_TOXI_GRACE_S   30 /* a toxic expires this long after its fault's planned end */
#define FR_TOXI_MAX_ATTRS 8

enum fr_toxi_status {
	FR_TOXI_OK = 0,
	FR_TOXI_UNREACHABLE, /* connect refused, timed out, or no answer */
	FR_TOXI_NOT_FOUND,   /* 404: no such proxy or toxic */
	FR_TOXI_CONFLICT,    /* 409: a toxic or proxy of that name exists */
	FR_TOXI_ERROR,       /* any other HTTP error, or an answer we cannot read */
};

struct fr_toxi;

/* A toxic as Toxiproxy stores it. */
struct fr_toxi_toxic {
	char *name;
	char *type;   /* "latency", "timeout", … */
	int upstream; /* stream: 0 downstream, 1 upstream */
	double toxicity;
	struct {
		char *name;
		int64_t value;
	} attrs[FR_TOXI_MAX_ATTRS];
	size_t nattrs;
};

/* A proxy as Toxiproxy reports it. */
struct fr_toxi_proxy {
	char *name;
	char *listen;
	char *upstream;
	int enabled;
	struct fr_toxi_toxic *toxics;
	size_t ntoxics;
};

/* Which flowrun toxics fr_toxi_remove_leftovers removes: the union of these. */
struct fr_toxi_sweep {
	const char *run_id;      /* every toxic of this run, whatever its expiry; NULL: none */
	const char *also_run_id; /* and of this one; NULL: none */
	int64_t now_unix;        /* every toxic whose expiry is not after this; 0: none */
	int all;                 /* every flowrun toxic */
};

/* What fr_toxi_remove_leftovers cleaned up, and what it left. */
struct fr_toxi_leftovers {
	char **toxics; /* removed, "proxy/toxic" */
	size_t ntoxics;
	char **enabled; /* proxies re-enabled */
	size_t nenabled;
	char **kept; /* flowrun toxics the sweep did not name (another run's, active) */
	size_t nkept;
	int64_t kept_until; /* the latest expiry among them */
};

/* Creates a client for the API at URL ("http://127.0.0.1:8474", a trailing
 * slash is ignored). Does no I/O. Free with fr_toxi_free. */
struct fr_toxi *fr_toxi_create(const char *url);

/* Frees a client; accepts NULL. */
void fr_toxi_free(struct fr_toxi *toxi);

/* The message of the last failed call ("" after a success). */
const char *fr_toxi_error(const struct fr_toxi *toxi);

/* GET /version. Sets *version_out (caller frees) to the version Toxiproxy
 * reports ("2.12.0"; "git" for a build without a release tag). */
int fr_toxi_version(struct fr_toxi *toxi, char **version_out);

/* GET /proxies. Sets *proxies_out and *n_out, sorted by name; free with
 * fr_toxi_proxies_free. */
int fr_toxi_proxies(struct fr_toxi *toxi, struct fr_toxi_proxy **proxies_out, size_t *n_out);
void fr_toxi_proxies_free(struct fr_toxi_proxy *proxies, size_t n);

/* Checks that every proxy a fault of FAULTS names exists in Toxiproxy. A
 * missing proxy is FR_TOXI_NOT_FOUND with an error naming all missing ones. */
int fr_toxi_check_proxies(struct fr_toxi *toxi, const struct fr_faults *faults);

/* POST /populate with FAULTS' proxies (the plan's proxies file), for
 * --create-proxies. Existing, unchanged proxies are left as they are. */
int fr_toxi_populate(struct fr_toxi *toxi, const struct fr_faults *faults);

/* GET /proxies/{proxy}/toxics. Free the result with fr_toxi_toxics_free. */
int fr_toxi_toxics(struct fr_toxi *toxi, const char *proxy, struct fr_toxi_toxic **toxics_out, size_t *n_out);
void fr_toxi_toxics_free(struct fr_toxi_toxic *toxics, size_t n);

/* POST /proxies/{proxy}/toxics: adds FAULT's toxic under NAME, with its
 * stream, toxicity and attributes (already in Toxiproxy's units). A `down`
 * fault has no toxic: use fr_toxi_add_marker and fr_toxi_set_enabled. */
int fr_toxi_add_toxic(struct fr_toxi *toxi, const char *proxy, const char *name, const struct fr_fault *fault);

/* Adds the marker of a `down` fault: a latency toxic of 0 ms named NAME. */
int fr_toxi_add_marker(struct fr_toxi *toxi, const char *proxy, const char *name);

/* DELETE /proxies/{proxy}/toxics/{name}. A toxic (or proxy) that is already
 * gone counts as removed: returns FR_TOXI_OK. */
int fr_toxi_remove_toxic(struct fr_toxi *toxi, const char *proxy, const char *name);

/* PATCH /proxies/{proxy} {"enabled":…}. */
int fr_toxi_set_enabled(struct fr_toxi *toxi, const char *proxy, int enabled);

/* Removes every flowrun toxic SW names from every proxy, after re-enabling
 * each disabled proxy that carries a `down` marker SW names. Fills *out
 * (release with fr_toxi_leftovers_clear) with what it removed and the flowrun
 * toxics it left, also on failure (what was done before the error). */
int fr_toxi_remove_leftovers(struct fr_toxi *toxi, const struct fr_toxi_sweep *sw, struct fr_toxi_leftovers *out);
void fr_toxi_leftovers_clear(struct fr_toxi_leftovers *lo);

/* The message to print about LO, without the "flowrun: " every message of
 * the command line starts with: "removed 1 leftover toxic from an earlier
 * run: redis/flowrun-…" (plus the re-enabled proxies), or NULL when nothing
 * was left over. Caller frees. */
char *fr_toxi_leftovers_message(const struct fr_toxi_leftovers *lo);

/* The line to print about the toxics of other runs LO left in place
 * ("left 2 toxics of another run in place (they expire within 41s;
 * --clean-leftovers removes them now): redis/flowrun-…"), or NULL. Caller frees. */
char *fr_toxi_kept_message(const struct fr_toxi_leftovers *lo, int64_t now_unix);

/* The name of fault FAULT_NAME's toxic in run RUN_ID, expiring at
 * EXPIRY_UNIX: "flowrun-<expiry>-<run>-<fault>" (MARKER:
 * "flowrun-<expiry>-<run>-down-<fault>"), lower case, every character outside
 * [a-z0-9-] replaced by '-', runs of '-' collapsed: the characters Toxiproxy
 * takes in a URL path as they are. Caller frees. */
char *fr_toxi_name(const char *run_id, const char *fault_name, int marker, int64_t expiry_unix);

/* Of a toxic's NAME: 1 with its expiry in *EXPIRY_OUT for a flowrun name,
 * 0 for a flowrun name without an expiry (an older flowrun's), -1 for
 * another name. */
int fr_toxi_name_expiry(const char *name, int64_t *expiry_out);

/* Toxiproxy's name of a toxic type ("latency", … "limit_data"; "down"). */
const char *fr_toxi_type_name(enum fr_toxic toxic);

/* How many calls so far timed out after the request may have been sent.
 * Toxiproxy may still apply such a request later (it does after a stall), so
 * the fault executor checks once more after a pause when this grew. */
unsigned fr_toxi_timeouts(const struct fr_toxi *toxi);

#endif
