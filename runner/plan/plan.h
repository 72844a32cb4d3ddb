/* plan.h: the plan model — a checked plan as the compiler and the runner read it.
 *
 * load.h reads a plan file (and the files it extends) into a positioned YAML
 * tree, validate.h checks it and build.h turns it into the structs below.
 * Every field that came from the file keeps its position so that later stages
 * (the compiler, the runner) can still point at the line that caused a
 * problem. Durations are in microseconds, rates in events per second,
 * thresholds in the unit of their series (microseconds for latencies, a
 * fraction for rates). Strings that may hold run-time variables (${token},
 * ${rand:1..9}) are kept as templates; ${env:…} references are already
 * expanded by the loader. The plan owns every pointer in it; fr_plan_free
 * releases all of it. The spelling of each enum's values is here too
 * (fr_model_names …): plans and reports write them the same way.
 */
#ifndef FR_PLAN_H
#define FR_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "plan/diag.h"
#include "plan/proxies.h"
#include "util/regex.h"

/* Upper bounds of the plan's counts, checked by the validator: far beyond
 * what one generator can drive (`flowrun check --max-memory` stops such a
 * plan much earlier), and small enough that nothing downstream overflows or
 * wraps. */
#define FR_PLAN_MAX_USERS     1000000 /* users or viewers of one stage */
#define FR_PLAN_MAX_WEIGHT    1000000 /* a request's weight */
#define FR_PLAN_MAX_RECONNECT 10000   /* a viewer's reconnect attempts in a row (counted in 16 bits) */

struct fr_kv {
	char *key;
	char *value; /* a template */
	struct fr_pos pos;
};

struct fr_kvlist {
	struct fr_kv *items;
	size_t n;
};

enum fr_capture_kind {
	FR_CAPTURE_JSON,   /* expr is a JSON path: $.token, $.widgets[*], $.a.b[0] */
	FR_CAPTURE_REGEX,  /* expr is a pcre2 pattern; group selects the value */
	FR_CAPTURE_HEADER, /* expr is a response header name */
};

struct fr_capture {
	char *var; /* the variable it sets */
	enum fr_capture_kind kind;
	char *expr;
	struct fr_regex *re; /* regex: expr compiled once by the builder */
	int group;           /* regex: capture group, default 1 (0 when the pattern has none) */
	struct fr_pos pos;
};

/* One HTTP request, or a group of steps when nsteps > 0. */
struct fr_request {
	char *name; /* may be NULL for setup/teardown/auth requests */
	struct fr_pos pos;
	char *method; /* upper case; "GET" by default */
	char *url;    /* a template: a path ("/api/x") or an absolute URL */
	int url_is_path;
	struct fr_kvlist headers;
	struct fr_kvlist query;
	char *body; /* a template; for json: the JSON text of the value */
	int body_is_json;
	int64_t timeout_us; /* 0: the target's default */
	struct fr_capture *captures;
	size_t ncaptures;
	unsigned weight;          /* scenario requests: relative weight, default 1 */
	char *each;               /* group step: fan out in parallel over this list variable */
	struct fr_request *steps; /* a group: steps run in order */
	size_t nsteps;
};

enum fr_model {
	FR_MODEL_CLOSED,
	FR_MODEL_OPEN,
	FR_MODEL_WEBSOCKET,
};

enum fr_arrival {
	FR_ARRIVAL_UNIFORM,
	FR_ARRIVAL_POISSON,
};

struct fr_stage {
	char *name; /* NULL unless named; names are unique across the plan */
	struct fr_pos pos;
	int64_t dur_us;
	double level; /* users (closed), requests/s (open), viewers (websocket) */
};

/* The event id pattern of a websocket scenario without `match:`. */
#define FR_WS_MATCH_DEFAULT "\"(e[0-9]+)\""

struct fr_ws {
	char *connect; /* a template: ws:// URL or a path on the target */
	struct fr_kvlist headers;
	char *subscribe;           /* optional first message, a template */
	struct fr_request publish; /* may use ${event_id} */
	double publish_rate;       /* events/s */
	char *match;               /* pcre2 pattern; group "id" or 1 is the event id */
	struct fr_regex *match_re; /* match, or the default pattern, compiled once by the builder */
	int64_t deadline_us;       /* lost when not received by then; default 5 s */
	unsigned reconnect_attempts;
	int64_t reconnect_delay_us;
	struct fr_pos pos;
};

struct fr_scenario {
	char *name;
	struct fr_pos pos;
	enum fr_model model;
	enum fr_arrival arrival; /* open model */
	int64_t think_us;        /* closed model */
	struct fr_stage *stages;
	size_t nstages;
	struct fr_request *requests; /* closed and open models */
	size_t nrequests;
	struct fr_ws ws; /* websocket model */
};

enum fr_toxic {
	FR_TOXIC_LATENCY,
	FR_TOXIC_BANDWIDTH,
	FR_TOXIC_SLOW_CLOSE,
	FR_TOXIC_TIMEOUT,
	FR_TOXIC_RESET_PEER,
	FR_TOXIC_SLICER,
	FR_TOXIC_LIMIT_DATA,
	FR_TOXIC_DOWN, /* not a toxic: the proxy disabled for the window */
};

#define FR_FAULT_MAX_ATTRS 4

/* A toxic attribute in Toxiproxy's own unit (ms, KB/s, bytes, µs). */
struct fr_toxic_attr {
	const char *name; /* static string: "latency", "jitter", … */
	int64_t value;
};

struct fr_fault {
	char *name; /* given, or "<toxic>-<proxy>[+<proxy>…]@<at>" */
	struct fr_pos pos;
	int64_t at_us;
	int64_t dur_us;
	char **proxies;
	size_t nproxies;
	enum fr_toxic toxic;
	int upstream;    /* stream: 0 downstream (default), 1 upstream */
	double toxicity; /* 0..1, default 1 */
	struct fr_toxic_attr attrs[FR_FAULT_MAX_ATTRS];
	size_t nattrs;
};

struct fr_faults {
	char *toxiproxy_url;
	char *proxies_file; /* resolved relative to the plan file that named it */
	struct fr_proxy *proxies;
	size_t nproxies;
	struct fr_fault *items; /* sorted by at_us as written (validator checks order-free) */
	size_t n;
};

enum fr_series {
	FR_SERIES_LATENCY,  /* from the intended send time (the default) */
	FR_SERIES_SERVICE,  /* from the actual send time */
	FR_SERIES_DELIVERY, /* websocket: receipt − publish send */
	FR_SERIES_CONNECT,  /* websocket: handshake time */
};

enum fr_stat {
	FR_STAT_QUANTILE, /* p50, p90, p95, p99, p99.9 …: quantile in fr_slo */
	FR_STAT_MAX,
	FR_STAT_MEAN,
	FR_STAT_ERROR_RATE, /* errors / requests */
	FR_STAT_LOST,       /* websocket: lost / expected deliveries, or a count */
};

enum fr_cmp {
	FR_CMP_LT,
	FR_CMP_LE,
	FR_CMP_GT,
	FR_CMP_GE,
};

enum fr_window_kind {
	FR_WINDOW_RUN,          /* the whole run (default) */
	FR_WINDOW_EACH_STAGE,   /* one verdict per stage of the scenario */
	FR_WINDOW_STAGE,        /* stage:NAME */
	FR_WINDOW_FAULT,        /* fault:NAME */
	FR_WINDOW_NO_FAULT,     /* no fault active */
	FR_WINDOW_AFTER_FAULTS, /* from the end of the last fault + after_us */
};

struct fr_slo {
	char *name;
	struct fr_pos pos;
	char *scenario; /* optional filter */
	char *request;  /* optional filter: a request, group or group step name */
	char *metric;   /* server-side: a Prometheus histogram selector, else NULL */
	enum fr_series series;
	enum fr_stat stat;
	double quantile; /* FR_STAT_QUANTILE: 0.99 for p99 */
	enum fr_cmp cmp;
	double threshold;      /* µs for latencies, a fraction for rates, a count */
	int threshold_is_rate; /* "< 1%" as opposed to "< 5" for lost */
	char *threshold_text;  /* as written: "< 5ms" */
	enum fr_window_kind window;
	char *window_ref; /* stage or fault name */
	int64_t after_us;
	char *window_text;    /* as written, "run" when absent */
	int abort;            /* stop the run as soon as a window of this SLO is decided failed */
	int64_t over_us;      /* > 0: judge the statistic over each sliding window this long */
	int64_t sustained_us; /* with over: the longest breach tolerated (0: none) */
};

struct fr_plan {
	char *file; /* the file given on the command line */
	int version;
	char *name;
	char *description;
	char *base_url;
	int64_t timeout_us; /* default request timeout, 10 s unless set */
	struct fr_kvlist headers;
	char *prometheus;        /* target.prometheus: for server-side SLOs, or NULL */
	char *ca_file;           /* target.ca_file: PEM CA certificates that verify https/wss, or NULL
	                          * (the system's); resolved against the plan file; --cacert replaces it */
	struct fr_request *auth; /* NULL without auth */
	struct fr_kvlist auth_headers;
	struct fr_request *setup;
	size_t nsetup;
	struct fr_request *teardown;
	size_t nteardown;
	char *sweep_param; /* NULL without a sweep */
	char **sweep_values;
	size_t nsweep;
	struct fr_scenario *scenarios;
	size_t nscenarios;
	struct fr_faults faults;
	struct fr_slo *slos;
	size_t nslos;
	char **files; /* interned file names that positions point at */
	size_t nfiles;
};

/* Frees a plan; accepts NULL. */
void fr_plan_free(struct fr_plan *plan);

/* Looks up a scenario or a fault by name; NULL or -1 when absent. */
const struct fr_scenario *fr_plan_scenario(const struct fr_plan *plan, const char *name);
int fr_plan_fault_index(const struct fr_plan *plan, const char *name);

/* The spelling of enum values, indexed by the enum and NULL-terminated:
 * "closed", "latency", "delivery", "<=". */
extern const char *const fr_model_names[];
extern const char *const fr_toxic_names[];
extern const char *const fr_series_names[];
extern const char *const fr_cmp_names[];

/* Names of enums, for reports; "?" for a value out of range. */
const char *fr_model_name(enum fr_model model);
const char *fr_toxic_name(enum fr_toxic toxic);
const char *fr_series_name(enum fr_series series);
const char *fr_cmp_name(enum fr_cmp cmp);

/* Whether VALUE meets THRESHOLD under CMP ("value < threshold" for FR_CMP_LT). */
int fr_cmp_holds(enum fr_cmp cmp, double value, double threshold);

#endif
