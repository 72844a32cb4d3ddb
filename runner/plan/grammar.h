/* grammar.h: the plan language in one table — every key, toxic and window form.
 *
 * Each key of each mapping of a plan is one row of fr_grammar_keys: its
 * spelling, the type of its value (how the checker checks it), whether it is
 * required, which scenario models accept it, and where the builder stores it
 * in the structs of plan.h (with its default, written in the plan's own
 * language). The checker (validate*.c) and the builder (build.c) both read
 * this table and refer to keys only by their FR_K_… index, so a key is spelled
 * once: adding a simple key is one row here and one field in plan.h. Keys with
 * a structure of their own (requests, captures, stages, faults, windows) are
 * FR_GT_SPECIAL rows: the table still knows their name and whether they are
 * required, the checker and the builder have code for their value.
 *
 * The toxics of Toxiproxy with their attributes and units, the forms of an
 * SLO window (`during:`), the words of the enumerated keys, the built-in
 * variables and the words other tools use for ours are here too.
 */
#ifndef FR_GRAMMAR_H
#define FR_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/yamltree.h"

/* The interval of a run's time series: an SLO's over and sustained are whole
 * numbers of it. */
#define FR_GRAMMAR_INTERVAL_US INT64_C(1000000)

/* The mappings of a plan. */
enum fr_gmap {
	FR_GM_ROOT,      /* the plan file */
	FR_GM_TARGET,    /* target: */
	FR_GM_AUTH,      /* auth: */
	FR_GM_REQUEST,   /* a request, or a group of steps */
	FR_GM_CAPTURE,   /* one capture spec */
	FR_GM_SCENARIO,  /* a scenario */
	FR_GM_STAGE,     /* a stage */
	FR_GM_RECONNECT, /* a websocket scenario's reconnect: */
	FR_GM_FAULTS,    /* faults: */
	FR_GM_FAULT,     /* one fault of the timeline (its toxic's attributes are in fr_grammar_toxics) */
	FR_GM_SLO,       /* an SLO */
	FR_GM_COUNT,
};

/* Every key, grouped by mapping, in the order of the mapping's key list
 * (the order in which "did you mean" prefers candidates). */
enum fr_gkey {
	FR_K_VERSION,
	FR_K_NAME,
	FR_K_DESCRIPTION,
	FR_K_EXTENDS,
	FR_K_TARGET,
	FR_K_AUTH,
	FR_K_SETUP,
	FR_K_TEARDOWN,
	FR_K_SWEEP,
	FR_K_SCENARIOS,
	FR_K_FAULTS,
	FR_K_SLOS,

	FR_K_TARGET_BASE_URL,
	FR_K_TARGET_TIMEOUT,
	FR_K_TARGET_HEADERS,
	FR_K_TARGET_PROMETHEUS,
	FR_K_TARGET_CA_FILE,

	FR_K_AUTH_REQUEST,
	FR_K_AUTH_CAPTURE,
	FR_K_AUTH_HEADERS,

	FR_K_REQ_NAME,
	FR_K_REQ_METHOD,
	FR_K_REQ_PATH,
	FR_K_REQ_URL,
	FR_K_REQ_HEADERS,
	FR_K_REQ_QUERY,
	FR_K_REQ_JSON,
	FR_K_REQ_BODY,
	FR_K_REQ_TIMEOUT,
	FR_K_REQ_CAPTURE,
	FR_K_REQ_WEIGHT,
	FR_K_REQ_STEPS,
	FR_K_REQ_EACH,

	FR_K_CAP_JSON,
	FR_K_CAP_REGEX,
	FR_K_CAP_GROUP,
	FR_K_CAP_HEADER,

	FR_K_SCEN_NAME,
	FR_K_SCEN_MODEL,
	FR_K_SCEN_STAGES,
	FR_K_SCEN_REQUESTS,
	FR_K_SCEN_THINK,
	FR_K_SCEN_ARRIVAL,
	FR_K_SCEN_CONNECT,
	FR_K_SCEN_HEADERS,
	FR_K_SCEN_SUBSCRIBE,
	FR_K_SCEN_PUBLISH,
	FR_K_SCEN_RATE,
	FR_K_SCEN_MATCH,
	FR_K_SCEN_DEADLINE,
	FR_K_SCEN_RECONNECT,

	FR_K_STAGE_NAME,
	FR_K_STAGE_FOR,
	FR_K_STAGE_USERS,
	FR_K_STAGE_RATE,
	FR_K_STAGE_VIEWERS,

	FR_K_RECONNECT_ATTEMPTS,
	FR_K_RECONNECT_DELAY,

	FR_K_FAULTS_TOXIPROXY,
	FR_K_FAULTS_PROXIES,
	FR_K_FAULTS_TIMELINE,

	FR_K_FAULT_NAME,
	FR_K_FAULT_AT,
	FR_K_FAULT_FOR,
	FR_K_FAULT_PROXIES,
	FR_K_FAULT_TOXIC,
	FR_K_FAULT_STREAM,
	FR_K_FAULT_TOXICITY,

	FR_K_SLO_NAME,
	FR_K_SLO_SCENARIO,
	FR_K_SLO_REQUEST,
	FR_K_SLO_SERIES,
	FR_K_SLO_DURING,
	FR_K_SLO_METRIC,
	FR_K_SLO_ABORT,
	FR_K_SLO_OVER,
	FR_K_SLO_SUSTAINED,
	FR_K_SLO_P50, /* the stat keys: an SLO has exactly one of them */
	FR_K_SLO_P75,
	FR_K_SLO_P90,
	FR_K_SLO_P95,
	FR_K_SLO_P99,
	FR_K_SLO_P999,
	FR_K_SLO_MAX,
	FR_K_SLO_MEAN,
	FR_K_SLO_ERROR_RATE,
	FR_K_SLO_LOST,

	FR_K_COUNT,
};

/* What a value is: how the checker checks it and the builder converts it. */
enum fr_gtype {
	FR_GT_SPECIAL,   /* a structure of its own: checked and built by code of its own */
	FR_GT_STR,       /* a string, kept as written */
	FR_GT_TEMPLATE,  /* a string that may hold ${…} references, kept as written */
	FR_GT_URL,       /* an http:// or https:// URL; not a template ("$${" unescaped) */
	FR_GT_FILE,      /* a readable regular file, named relative to the plan file that names it */
	FR_GT_DURATION,  /* a positive duration, in µs */
	FR_GT_DURATION0, /* a duration >= 0, in µs */
	FR_GT_RATE,      /* a positive rate, in events/s */
	FR_GT_INT,       /* an integer >= min */
	FR_GT_FRACTION,  /* a number from 0 to 1 */
	FR_GT_WORD,      /* one of words[]; kept as written or as its index (an enum) */
	FR_GT_STRMAP,    /* a mapping of names to templates (headers, query) */
	FR_GT_BOOL,      /* true or false; stored as 1 or 0 */
	FR_GT_STAT,      /* an SLO stat key: its value is a threshold */
};

/* How the builder stores a converted value at the key's offset. */
enum fr_gstore {
	FR_GS_NONE,   /* not stored by the generic builder */
	FR_GS_STR,    /* char *: a copy of the string */
	FR_GS_PATH,   /* char *: the file name resolved against the plan file that wrote it */
	FR_GS_INT,    /* int, or an enum: an integer or a word's index */
	FR_GS_UINT,   /* unsigned */
	FR_GS_I64,    /* int64_t: a duration in µs */
	FR_GS_DOUBLE, /* double: a rate, a fraction or an integer level */
	FR_GS_KVLIST, /* struct fr_kvlist */
};

/* Flags of a key. */
#define FR_GK_REQUIRED      0x1u /* missing is an error (for scenario keys: in the models that accept it) */
#define FR_GK_GROUP         0x2u /* request keys: valid in a group too */
#define FR_GK_SCENARIO_ONLY 0x4u /* request keys: only in scenario requests */
#define FR_GK_STEP_ONLY     0x8u /* request keys: only in a group step */

/* Scenario models as a bit set, for the keys that only some models accept. */
#define FR_GM_MODEL(m) (1u << (m))
#define FR_GM_ALL      0x7u

struct fr_gkey_def {
	enum fr_gmap map;
	const char *name;
	enum fr_gtype type;
	unsigned flags;
	unsigned models;          /* scenario and stage keys: the models that accept it */
	int64_t min;              /* FR_GT_INT: the smallest value */
	int64_t max;              /* FR_GT_INT: the largest value (0: no limit but int64) */
	const char *what;         /* FR_GT_WORD: the noun for "unknown WHAT 'x'" */
	const char *const *words; /* FR_GT_WORD: the accepted words, NULL-terminated */
	int stat;                 /* FR_GT_STAT: the enum fr_stat it selects */
	enum fr_gstore store;
	size_t offset;   /* in the struct the mapping is built into */
	const char *def; /* the value when absent, as a plan would write it, or NULL */
};

extern const struct fr_gkey_def fr_grammar_keys[FR_K_COUNT];

/* The keys of mapping M are fr_grammar_keys[first .. end). */
struct fr_gmap_def {
	enum fr_gkey first, end;
};

extern const struct fr_gmap_def fr_grammar_maps[FR_GM_COUNT];

/* The value of key K in MAP, or NULL. */
struct fr_ynode *fr_grammar_get(const struct fr_ynode *map, enum fr_gkey k);
/* The key node of K in MAP, or NULL. */
struct fr_ynode *fr_grammar_key(const struct fr_ynode *map, enum fr_gkey k);
/* The key of mapping M spelled NAME, or FR_K_COUNT. */
enum fr_gkey fr_grammar_find(enum fr_gmap m, const char *name);
/* The most keys a mapping has. */
#define FR_GRAMMAR_MAX_KEYS 24

/* Writes the names of M's keys that have every flag of FLAGS, then NULL, to
 * OUT (FR_GRAMMAR_MAX_KEYS + 1 entries): the candidates of "did you mean".
 * Returns how many. */
size_t fr_grammar_names(enum fr_gmap m, unsigned flags, const char **out);
/* The index of WORD among the words of key K, or -1. */
int fr_grammar_word(enum fr_gkey k, const char *word);
/* The level key (users, rate, viewers) of scenario MODEL in a stage. */
enum fr_gkey fr_grammar_level(enum fr_model model);

/* Toxic attributes: the unit a plan writes them in and Toxiproxy wants them in. */
enum fr_attr_unit {
	FR_ATTR_MS,    /* a duration, sent in ms */
	FR_ATTR_US,    /* a duration, sent in µs */
	FR_ATTR_KBPS,  /* a bandwidth, sent in KB/s */
	FR_ATTR_BYTES, /* an integer */
};

/* A toxic's attributes; its enum fr_toxic is its index in fr_grammar_toxics. */
struct fr_toxic_def {
	struct {
		const char *name;
		enum fr_attr_unit unit;
		int required;
	} attrs[FR_FAULT_MAX_ATTRS];
};

/* Indexed by enum fr_toxic; named by fr_toxic_names. */
extern const struct fr_toxic_def fr_grammar_toxics[FR_TOXIC_DOWN + 1];

/* The definition of toxic NAME, or NULL. */
const struct fr_toxic_def *fr_grammar_toxic(const char *name);
/* The index of attribute NAME of toxic T, or -1. */
int fr_grammar_toxic_attr(const struct fr_toxic_def *t, const char *name);
/* Is NAME an attribute of any toxic? */
int fr_grammar_any_attr(const char *name);
/* The unit suffix of an attribute in `flowrun plan`: "ms", "us", "KB/s" or "". */
const char *fr_grammar_attr_suffix(enum fr_toxic toxic, const char *attr);

/* The default name of a fault: "<toxic>-<proxy>[+<proxy>…]@<at as written>". Caller frees. */
char *fr_grammar_fault_name(const struct fr_ynode *fault);

/* The forms of an SLO window (during:). */
enum fr_window_arg {
	FR_WARG_NONE,     /* the whole text: "run", "each-stage", "no-fault" */
	FR_WARG_STAGE,    /* "stage:" then a stage name */
	FR_WARG_FAULT,    /* "fault:" then a fault name */
	FR_WARG_DURATION, /* "after-faults+" then a duration */
};

struct fr_window_form {
	const char *text;
	enum fr_window_kind kind;
	enum fr_window_arg arg;
};

/* Every form, up to a row whose text is NULL. */
extern const struct fr_window_form fr_grammar_windows[];

/* The form of window TEXT, or NULL; the text after its prefix in *rest. */
const struct fr_window_form *fr_grammar_window(const char *text, const char **rest);

/* Run-time variables every template may use. */
extern const char *const fr_grammar_builtins[];

/* Words of other tools and the key or word of ours they mean, up to {NULL, NULL}. */
extern const char *const fr_grammar_synonyms[][2];

#endif
