/* grammar.c: the table of the plan language and its lookups (see grammar.h).
 *
 * Rows are written with designated initializers so that a row cannot drift
 * from its FR_K_… index; each mapping's rows are contiguous and in the order
 * of its key list. Offsets point into the struct that mapping is built into:
 * the plan (root, target, auth), a request, a scenario (its websocket fields
 * included), a stage, a scenario's websocket part (reconnect), the fault
 * section, a fault, an SLO.
 */
#include "plan/grammar.h"

#include <string.h>

#include "util/buf.h"

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL};
static const char *const arrivals[] = {"uniform", "poisson", NULL};
static const char *const streams[] = {"downstream", "upstream", NULL};

#define CLOSED    FR_GM_MODEL(FR_MODEL_CLOSED)
#define OPEN      FR_GM_MODEL(FR_MODEL_OPEN)
#define WEBSOCKET FR_GM_MODEL(FR_MODEL_WEBSOCKET)
#define REQ       FR_GK_REQUIRED

#define PLAN(f)     offsetof(struct fr_plan, f)
#define REQUEST(f)  offsetof(struct fr_request, f)
#define SCENARIO(f) offsetof(struct fr_scenario, f)
#define STAGE(f)    offsetof(struct fr_stage, f)
#define WS(f)       offsetof(struct fr_ws, f)
#define FAULTS(f)   offsetof(struct fr_faults, f)
#define FAULT(f)    offsetof(struct fr_fault, f)
#define SLO(f)      offsetof(struct fr_slo, f)

/* A stat key of an SLO. */
#define STAT(k, n, s) [k] = {FR_GM_SLO, n, FR_GT_STAT, .stat = s}

const struct fr_gkey_def fr_grammar_keys[FR_K_COUNT] = {
        [FR_K_VERSION] = {FR_GM_ROOT, "version", FR_GT_INT, REQ, .store = FR_GS_INT, .offset = PLAN(version),
                          .def = "1"},
        [FR_K_NAME] = {FR_GM_ROOT, "name", FR_GT_STR, REQ, .store = FR_GS_STR, .offset = PLAN(name)},
        [FR_K_DESCRIPTION] = {FR_GM_ROOT, "description", FR_GT_STR, .store = FR_GS_STR, .offset = PLAN(description)},
        [FR_K_EXTENDS] = {FR_GM_ROOT, "extends", FR_GT_STR},
        [FR_K_TARGET] = {FR_GM_ROOT, "target", FR_GT_SPECIAL, REQ},
        [FR_K_AUTH] = {FR_GM_ROOT, "auth", FR_GT_SPECIAL},
        [FR_K_SETUP] = {FR_GM_ROOT, "setup", FR_GT_SPECIAL},
        [FR_K_TEARDOWN] = {FR_GM_ROOT, "teardown", FR_GT_SPECIAL},
        [FR_K_SWEEP] = {FR_GM_ROOT, "sweep", FR_GT_SPECIAL},
        [FR_K_SCENARIOS] = {FR_GM_ROOT, "scenarios", FR_GT_SPECIAL, REQ},
        [FR_K_FAULTS] = {FR_GM_ROOT, "faults", FR_GT_SPECIAL},
        [FR_K_SLOS] = {FR_GM_ROOT, "slos", FR_GT_SPECIAL},

        [FR_K_TARGET_BASE_URL] = {FR_GM_TARGET, "base_url", FR_GT_URL, REQ, .store = FR_GS_STR,
                                  .offset = PLAN(base_url)},
        [FR_K_TARGET_TIMEOUT] = {FR_GM_TARGET, "timeout", FR_GT_DURATION, .store = FR_GS_I64,
                                 .offset = PLAN(timeout_us), .def = "10s"},
        [FR_K_TARGET_HEADERS] = {FR_GM_TARGET, "headers", FR_GT_STRMAP, .store = FR_GS_KVLIST, .offset = PLAN(headers)},
        [FR_K_TARGET_PROMETHEUS] = {FR_GM_TARGET, "prometheus", FR_GT_URL, .store = FR_GS_STR,
                                    .offset = PLAN(prometheus)},
        [FR_K_TARGET_CA_FILE] = {FR_GM_TARGET, "ca_file", FR_GT_FILE, .store = FR_GS_PATH, .offset = PLAN(ca_file)},

        [FR_K_AUTH_REQUEST] = {FR_GM_AUTH, "request", FR_GT_SPECIAL, REQ},
        [FR_K_AUTH_CAPTURE] = {FR_GM_AUTH, "capture", FR_GT_SPECIAL},
        [FR_K_AUTH_HEADERS] = {FR_GM_AUTH, "headers", FR_GT_STRMAP, .store = FR_GS_KVLIST,
                               .offset = PLAN(auth_headers)},

        [FR_K_REQ_NAME] = {FR_GM_REQUEST, "name", FR_GT_STR, FR_GK_GROUP, .store = FR_GS_STR, .offset = REQUEST(name)},
        [FR_K_REQ_METHOD] = {FR_GM_REQUEST, "method", FR_GT_WORD, .what = "method", .words = methods,
                             .store = FR_GS_STR, .offset = REQUEST(method), .def = "GET"},
        [FR_K_REQ_PATH] = {FR_GM_REQUEST, "path", FR_GT_SPECIAL},
        [FR_K_REQ_URL] = {FR_GM_REQUEST, "url", FR_GT_SPECIAL},
        [FR_K_REQ_HEADERS] = {FR_GM_REQUEST, "headers", FR_GT_STRMAP, .store = FR_GS_KVLIST,
                              .offset = REQUEST(headers)},
        [FR_K_REQ_QUERY] = {FR_GM_REQUEST, "query", FR_GT_STRMAP, .store = FR_GS_KVLIST, .offset = REQUEST(query)},
        [FR_K_REQ_JSON] = {FR_GM_REQUEST, "json", FR_GT_SPECIAL},
        [FR_K_REQ_BODY] = {FR_GM_REQUEST, "body", FR_GT_TEMPLATE, .store = FR_GS_STR, .offset = REQUEST(body)},
        [FR_K_REQ_TIMEOUT] = {FR_GM_REQUEST, "timeout", FR_GT_DURATION, .store = FR_GS_I64,
                              .offset = REQUEST(timeout_us)},
        [FR_K_REQ_CAPTURE] = {FR_GM_REQUEST, "capture", FR_GT_SPECIAL},
        [FR_K_REQ_WEIGHT] = {FR_GM_REQUEST, "weight", FR_GT_INT, FR_GK_GROUP | FR_GK_SCENARIO_ONLY, .min = 1,
                             .max = FR_PLAN_MAX_WEIGHT, .store = FR_GS_UINT, .offset = REQUEST(weight), .def = "1"},
        [FR_K_REQ_STEPS] = {FR_GM_REQUEST, "steps", FR_GT_SPECIAL, FR_GK_GROUP | FR_GK_SCENARIO_ONLY},
        [FR_K_REQ_EACH] = {FR_GM_REQUEST, "each", FR_GT_SPECIAL, FR_GK_STEP_ONLY, .store = FR_GS_STR,
                           .offset = REQUEST(each)},

        [FR_K_CAP_JSON] = {FR_GM_CAPTURE, "json", FR_GT_SPECIAL},
        [FR_K_CAP_REGEX] = {FR_GM_CAPTURE, "regex", FR_GT_SPECIAL},
        [FR_K_CAP_GROUP] = {FR_GM_CAPTURE, "group", FR_GT_SPECIAL},
        [FR_K_CAP_HEADER] = {FR_GM_CAPTURE, "header", FR_GT_SPECIAL},

        [FR_K_SCEN_NAME] = {FR_GM_SCENARIO, "name", FR_GT_STR, REQ, FR_GM_ALL, .store = FR_GS_STR,
                            .offset = SCENARIO(name)},
        [FR_K_SCEN_MODEL] = {FR_GM_SCENARIO, "model", FR_GT_WORD, REQ, FR_GM_ALL, .what = "model",
                             .words = fr_model_names, .store = FR_GS_INT, .offset = SCENARIO(model)},
        [FR_K_SCEN_STAGES] = {FR_GM_SCENARIO, "stages", FR_GT_SPECIAL, REQ, FR_GM_ALL},
        [FR_K_SCEN_REQUESTS] = {FR_GM_SCENARIO, "requests", FR_GT_SPECIAL, REQ, CLOSED | OPEN},
        [FR_K_SCEN_THINK] = {FR_GM_SCENARIO, "think", FR_GT_DURATION0, 0, CLOSED, .store = FR_GS_I64,
                             .offset = SCENARIO(think_us)},
        [FR_K_SCEN_ARRIVAL] = {FR_GM_SCENARIO, "arrival", FR_GT_WORD, 0, OPEN, .what = "arrival", .words = arrivals,
                               .store = FR_GS_INT, .offset = SCENARIO(arrival)},
        [FR_K_SCEN_CONNECT] = {FR_GM_SCENARIO, "connect", FR_GT_SPECIAL, REQ, WEBSOCKET, .store = FR_GS_STR,
                               .offset = SCENARIO(ws.connect)},
        [FR_K_SCEN_HEADERS] = {FR_GM_SCENARIO, "headers", FR_GT_STRMAP, 0, WEBSOCKET, .store = FR_GS_KVLIST,
                               .offset = SCENARIO(ws.headers)},
        [FR_K_SCEN_SUBSCRIBE] = {FR_GM_SCENARIO, "subscribe", FR_GT_TEMPLATE, 0, WEBSOCKET, .store = FR_GS_STR,
                                 .offset = SCENARIO(ws.subscribe)},
        [FR_K_SCEN_PUBLISH] = {FR_GM_SCENARIO, "publish", FR_GT_SPECIAL, 0, WEBSOCKET},
        [FR_K_SCEN_RATE] = {FR_GM_SCENARIO, "rate", FR_GT_RATE, 0, WEBSOCKET, .store = FR_GS_DOUBLE,
                            .offset = SCENARIO(ws.publish_rate)},
        [FR_K_SCEN_MATCH] = {FR_GM_SCENARIO, "match", FR_GT_SPECIAL, 0, WEBSOCKET, .store = FR_GS_STR,
                             .offset = SCENARIO(ws.match)},
        [FR_K_SCEN_DEADLINE] = {FR_GM_SCENARIO, "deadline", FR_GT_DURATION, 0, WEBSOCKET, .store = FR_GS_I64,
                                .offset = SCENARIO(ws.deadline_us), .def = "5s"},
        [FR_K_SCEN_RECONNECT] = {FR_GM_SCENARIO, "reconnect", FR_GT_SPECIAL, 0, WEBSOCKET},

        [FR_K_STAGE_NAME] = {FR_GM_STAGE, "name", FR_GT_STR, 0, FR_GM_ALL, .store = FR_GS_STR, .offset = STAGE(name)},
        [FR_K_STAGE_FOR] = {FR_GM_STAGE, "for", FR_GT_DURATION, REQ, FR_GM_ALL, .store = FR_GS_I64,
                            .offset = STAGE(dur_us)},
        [FR_K_STAGE_USERS] = {FR_GM_STAGE, "users", FR_GT_INT, REQ, CLOSED, .max = FR_PLAN_MAX_USERS,
                              .store = FR_GS_DOUBLE, .offset = STAGE(level)},
        [FR_K_STAGE_RATE] = {FR_GM_STAGE, "rate", FR_GT_RATE, REQ, OPEN, .store = FR_GS_DOUBLE, .offset = STAGE(level)},
        [FR_K_STAGE_VIEWERS] = {FR_GM_STAGE, "viewers", FR_GT_INT, REQ, WEBSOCKET, .max = FR_PLAN_MAX_USERS,
                                .store = FR_GS_DOUBLE, .offset = STAGE(level)},

        [FR_K_RECONNECT_ATTEMPTS] = {FR_GM_RECONNECT, "attempts", FR_GT_INT, .max = FR_PLAN_MAX_RECONNECT,
                                     .store = FR_GS_UINT, .offset = WS(reconnect_attempts)},
        [FR_K_RECONNECT_DELAY] = {FR_GM_RECONNECT, "delay", FR_GT_DURATION0, .store = FR_GS_I64,
                                  .offset = WS(reconnect_delay_us)},

        [FR_K_FAULTS_TOXIPROXY] = {FR_GM_FAULTS, "toxiproxy", FR_GT_URL, .store = FR_GS_STR,
                                   .offset = FAULTS(toxiproxy_url)},
        [FR_K_FAULTS_PROXIES] = {FR_GM_FAULTS, "proxies", FR_GT_SPECIAL},
        [FR_K_FAULTS_TIMELINE] = {FR_GM_FAULTS, "timeline", FR_GT_SPECIAL},

        [FR_K_FAULT_NAME] = {FR_GM_FAULT, "name", FR_GT_STR},
        [FR_K_FAULT_AT] = {FR_GM_FAULT, "at", FR_GT_DURATION0, REQ, .store = FR_GS_I64, .offset = FAULT(at_us)},
        [FR_K_FAULT_FOR] = {FR_GM_FAULT, "for", FR_GT_DURATION, REQ, .store = FR_GS_I64, .offset = FAULT(dur_us)},
        [FR_K_FAULT_PROXIES] = {FR_GM_FAULT, "proxies", FR_GT_SPECIAL, REQ},
        [FR_K_FAULT_TOXIC] = {FR_GM_FAULT, "toxic", FR_GT_WORD, REQ, .what = "toxic type", .words = fr_toxic_names,
                              .store = FR_GS_INT, .offset = FAULT(toxic)},
        [FR_K_FAULT_STREAM] = {FR_GM_FAULT, "stream", FR_GT_WORD, .what = "stream", .words = streams,
                               .store = FR_GS_INT, .offset = FAULT(upstream)},
        [FR_K_FAULT_TOXICITY] = {FR_GM_FAULT, "toxicity", FR_GT_FRACTION, .store = FR_GS_DOUBLE,
                                 .offset = FAULT(toxicity), .def = "1"},

        [FR_K_SLO_NAME] = {FR_GM_SLO, "name", FR_GT_STR, REQ, .store = FR_GS_STR, .offset = SLO(name)},
        [FR_K_SLO_SCENARIO] = {FR_GM_SLO, "scenario", FR_GT_STR, .store = FR_GS_STR, .offset = SLO(scenario)},
        [FR_K_SLO_REQUEST] = {FR_GM_SLO, "request", FR_GT_STR, .store = FR_GS_STR, .offset = SLO(request)},
        [FR_K_SLO_SERIES] = {FR_GM_SLO, "series", FR_GT_WORD, .what = "series", .words = fr_series_names,
                             .store = FR_GS_INT, .offset = SLO(series)},
        [FR_K_SLO_DURING] = {FR_GM_SLO, "during", FR_GT_SPECIAL, .def = "run"},
        [FR_K_SLO_METRIC] = {FR_GM_SLO, "metric", FR_GT_SPECIAL, .store = FR_GS_STR, .offset = SLO(metric)},
        [FR_K_SLO_ABORT] = {FR_GM_SLO, "abort", FR_GT_BOOL, .store = FR_GS_INT, .offset = SLO(abort), .def = "false"},
        [FR_K_SLO_OVER] = {FR_GM_SLO, "over", FR_GT_DURATION, .store = FR_GS_I64, .offset = SLO(over_us)},
        [FR_K_SLO_SUSTAINED] = {FR_GM_SLO, "sustained", FR_GT_DURATION0, .store = FR_GS_I64,
                                .offset = SLO(sustained_us)},
        STAT(FR_K_SLO_P50, "p50", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_P75, "p75", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_P90, "p90", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_P95, "p95", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_P99, "p99", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_P999, "p99.9", FR_STAT_QUANTILE),
        STAT(FR_K_SLO_MAX, "max", FR_STAT_MAX),
        STAT(FR_K_SLO_MEAN, "mean", FR_STAT_MEAN),
        STAT(FR_K_SLO_ERROR_RATE, "error_rate", FR_STAT_ERROR_RATE),
        STAT(FR_K_SLO_LOST, "lost", FR_STAT_LOST),
};

const struct fr_gmap_def fr_grammar_maps[FR_GM_COUNT] = {
        [FR_GM_ROOT] = {FR_K_VERSION, FR_K_TARGET_BASE_URL},
        [FR_GM_TARGET] = {FR_K_TARGET_BASE_URL, FR_K_AUTH_REQUEST},
        [FR_GM_AUTH] = {FR_K_AUTH_REQUEST, FR_K_REQ_NAME},
        [FR_GM_REQUEST] = {FR_K_REQ_NAME, FR_K_CAP_JSON},
        [FR_GM_CAPTURE] = {FR_K_CAP_JSON, FR_K_SCEN_NAME},
        [FR_GM_SCENARIO] = {FR_K_SCEN_NAME, FR_K_STAGE_NAME},
        [FR_GM_STAGE] = {FR_K_STAGE_NAME, FR_K_RECONNECT_ATTEMPTS},
        [FR_GM_RECONNECT] = {FR_K_RECONNECT_ATTEMPTS, FR_K_FAULTS_TOXIPROXY},
        [FR_GM_FAULTS] = {FR_K_FAULTS_TOXIPROXY, FR_K_FAULT_NAME},
        [FR_GM_FAULT] = {FR_K_FAULT_NAME, FR_K_SLO_NAME},
        [FR_GM_SLO] = {FR_K_SLO_NAME, FR_K_COUNT},
};

const struct fr_toxic_def fr_grammar_toxics[FR_TOXIC_DOWN + 1] = {
        [FR_TOXIC_LATENCY] = {{{"latency", FR_ATTR_MS, 1}, {"jitter", FR_ATTR_MS, 0}}},
        [FR_TOXIC_BANDWIDTH] = {{{"rate", FR_ATTR_KBPS, 1}}},
        [FR_TOXIC_SLOW_CLOSE] = {{{"delay", FR_ATTR_MS, 1}}},
        [FR_TOXIC_TIMEOUT] = {{{"timeout", FR_ATTR_MS, 1}}},
        [FR_TOXIC_RESET_PEER] = {{{"timeout", FR_ATTR_MS, 0}}},
        [FR_TOXIC_SLICER] = {{{"average_size", FR_ATTR_BYTES, 1},
                              {"size_variation", FR_ATTR_BYTES, 0},
                              {"delay", FR_ATTR_US, 0}}},
        [FR_TOXIC_LIMIT_DATA] = {{{"bytes", FR_ATTR_BYTES, 1}}},
        [FR_TOXIC_DOWN] = {{{NULL, 0, 0}}},
};

const struct fr_window_form fr_grammar_windows[] = {
        {"run", FR_WINDOW_RUN, FR_WARG_NONE},
        {"each-stage", FR_WINDOW_EACH_STAGE, FR_WARG_NONE},
        {"no-fault", FR_WINDOW_NO_FAULT, FR_WARG_NONE},
        {"stage:", FR_WINDOW_STAGE, FR_WARG_STAGE},
        {"fault:", FR_WINDOW_FAULT, FR_WARG_FAULT},
        {"after-faults+", FR_WINDOW_AFTER_FAULTS, FR_WARG_DURATION},
        {NULL, FR_WINDOW_RUN, FR_WARG_NONE},
};

const char *const fr_grammar_builtins[] = {"event_id", "user", "i", NULL};

const char *const fr_grammar_synonyms[][2] = {
        {"rps", "rate"},      {"qps", "rate"},          {"duration", "for"},
        {"vus", "users"},     {"concurrency", "users"}, {"connections", "viewers"},
        {"threshold", "p99"}, {"type", "toxic"},        {NULL, NULL},
};

/* A lookup by spelling: callers never spell a key themselves. */
struct fr_ynode *fr_grammar_get(const struct fr_ynode *map, enum fr_gkey k)
{
	return fr_ytree_get(map, fr_grammar_keys[k].name);
}

/* The key node, for diagnostics that point at the key rather than its value. */
struct fr_ynode *fr_grammar_key(const struct fr_ynode *map, enum fr_gkey k)
{
	return fr_ytree_key(map, fr_grammar_keys[k].name);
}

/* A linear scan: mappings have at most a few dozen keys. */
enum fr_gkey fr_grammar_find(enum fr_gmap m, const char *name)
{
	for (enum fr_gkey k = fr_grammar_maps[m].first; k < fr_grammar_maps[m].end; k++)
		if (strcmp(fr_grammar_keys[k].name, name) == 0)
			return k;
	return FR_K_COUNT;
}

/* In table order, which is the order of preference of suggestions. */
size_t fr_grammar_names(enum fr_gmap m, unsigned flags, const char **out)
{
	size_t n = 0;

	for (enum fr_gkey k = fr_grammar_maps[m].first; k < fr_grammar_maps[m].end && n < FR_GRAMMAR_MAX_KEYS; k++)
		if ((fr_grammar_keys[k].flags & flags) == flags)
			out[n++] = fr_grammar_keys[k].name;
	out[n] = NULL;
	return n;
}

/* The index is the enum value for keys stored as an enum. */
int fr_grammar_word(enum fr_gkey k, const char *word)
{
	const char *const *words = fr_grammar_keys[k].words;

	for (int i = 0; words && words[i]; i++)
		if (strcmp(words[i], word) == 0)
			return i;
	return -1;
}

/* The stage key whose only model is MODEL. */
enum fr_gkey fr_grammar_level(enum fr_model model)
{
	for (enum fr_gkey k = fr_grammar_maps[FR_GM_STAGE].first; k < fr_grammar_maps[FR_GM_STAGE].end; k++)
		if (fr_grammar_keys[k].models == FR_GM_MODEL(model))
			return k;
	return FR_K_COUNT;
}

/* Toxics are named by the plan model's fr_toxic_names, in enum order. */
const struct fr_toxic_def *fr_grammar_toxic(const char *name)
{
	for (int i = 0; fr_toxic_names[i]; i++)
		if (strcmp(fr_toxic_names[i], name) == 0)
			return &fr_grammar_toxics[i];
	return NULL;
}

/* Attribute lists end at the first unnamed slot. */
int fr_grammar_toxic_attr(const struct fr_toxic_def *t, const char *name)
{
	for (int i = 0; i < FR_FAULT_MAX_ATTRS && t->attrs[i].name; i++)
		if (strcmp(t->attrs[i].name, name) == 0)
			return i;
	return -1;
}

/* Lets the checker tell "wrong toxic for this attribute" from "unknown key". */
int fr_grammar_any_attr(const char *name)
{
	for (size_t i = 0; i < sizeof fr_grammar_toxics / sizeof fr_grammar_toxics[0]; i++)
		if (fr_grammar_toxic_attr(&fr_grammar_toxics[i], name) >= 0)
			return 1;
	return 0;
}

/* The suffix follows the unit the attribute is sent to Toxiproxy in. */
const char *fr_grammar_attr_suffix(enum fr_toxic toxic, const char *attr)
{
	const struct fr_toxic_def *t = (unsigned)toxic <= FR_TOXIC_DOWN ? &fr_grammar_toxics[toxic] : NULL;
	int a = t ? fr_grammar_toxic_attr(t, attr) : -1;

	if (a < 0)
		return "ms";
	switch (t->attrs[a].unit) {
	case FR_ATTR_MS: return "ms";
	case FR_ATTR_US: return "us";
	case FR_ATTR_KBPS: return "KB/s";
	case FR_ATTR_BYTES: return "";
	}
	return "ms";
}

/* The text of scalar NODE, or "?" for anything else. */
static const char *text_or_what(const struct fr_ynode *node)
{
	return node && node->kind == FR_Y_SCALAR ? node->str : "?";
}

/* Built from the tree so that the checker can name faults that do not build. */
char *fr_grammar_fault_name(const struct fr_ynode *fault)
{
	const struct fr_ynode *proxies = fr_grammar_get(fault, FR_K_FAULT_PROXIES);
	size_t nproxies = proxies && proxies->kind == FR_Y_SEQ ? proxies->n : 0;
	struct fr_buf name = {0};

	fr_buf_printf(&name, "%s-", text_or_what(fr_grammar_get(fault, FR_K_FAULT_TOXIC)));
	for (size_t i = 0; i < nproxies; i++)
		fr_buf_printf(&name, "%s%s", i ? "+" : "", text_or_what(proxies->vals[i]));
	fr_buf_printf(&name, "@%s", text_or_what(fr_grammar_get(fault, FR_K_FAULT_AT)));
	return fr_buf_take(&name);
}

/* Whole-text forms match exactly, the others by their prefix. */
const struct fr_window_form *fr_grammar_window(const char *text, const char **rest)
{
	for (const struct fr_window_form *f = fr_grammar_windows; f->text; f++) {
		size_t n = strlen(f->text);
		if (f->arg == FR_WARG_NONE ? strcmp(text, f->text) == 0 : strncmp(text, f->text, n) == 0) {
			*rest = text + n;
			return f;
		}
	}
	*rest = text;
	return NULL;
}
