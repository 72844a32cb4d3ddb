/* ws.c: the WebSocket viewer driver — see ws.h for the model and the accounting.
 *
 * Layout: the shared event table (written by the publisher of thread 0, read
 * by every thread with a seqlock per slot), then the driver: viewers and
 * their state machine (IDLE → QUEUED → CONNECTING → OPEN → CLOSING), the
 * libwebsockets callback, frame matching and per-thread delivery accounting,
 * the reconnect queue, the publisher, the sweep, and the run.h glue.
 *
 * Timers are struct fr_timer embedded in the driver (sched.h): one for the
 * publisher, one for the sweep, one for the head of the reconnect queue
 * (reconnects are due in the order they were queued, since the delay is the
 * same for all). A viewer costs sizeof(struct viewer) plus its duplicate
 * bitmap (one bit per ring slot) plus lws's own per-connection state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "observe/metrics.h"
#include "engine/sched.h"
#include "engine/ws.h"
#include "util/xmalloc.h"

#define CONTAINER(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* ---- the shared event table ---- */

struct slot {
	_Atomic uint64_t seq; /* the event held, 0 while being written or never */
	_Atomic int64_t t_us; /* publish send time, monotonic µs */
	_Atomic int segment;  /* results segment of the publish time */
	_Atomic int failed;   /* the publish request failed: not judged */
};

struct fr_ws_table {
	struct slot *ring;
	uint32_t size, mask;
	int64_t deadline_us;
	_Atomic uint64_t next; /* the seq the next publish gets; events 1 .. next-1 exist */
	_Atomic long connected;
	/* handshake rejections: a slot is claimed for a status by CAS from 0 */
	_Atomic long status[FR_WS_MAX_STATUSES];
	_Atomic uint64_t count[FR_WS_MAX_STATUSES];
};

/* Ring size: a power of two >= 2 × rate × (deadline + 1 s), at least 64. */
static uint32_t ring_size(const struct fr_ws *ws)
{
	double span = ws->publish_rate * ((double)ws->deadline_us / 1e6 + 1.0) * 2.0;
	uint32_t n = 64;
	while (n < span && n < (1u << 24))
		n <<= 1;
	return n;
}

/* Creates the event table of a websocket scenario. */
struct fr_ws_table *fr_ws_table_create(const struct fr_scenario *sc)
{
	struct fr_ws_table *t = xcalloc(1, sizeof *t);
	t->size = ring_size(&sc->ws);
	t->mask = t->size - 1;
	t->ring = xcalloc(t->size, sizeof *t->ring);
	t->deadline_us = sc->ws.deadline_us > 0 ? sc->ws.deadline_us : 5000000;
	atomic_init(&t->next, 1);
	return t;
}

/* Frees a table; accepts NULL. */
void fr_ws_table_free(struct fr_ws_table *t)
{
	if (!t)
		return;
	free(t->ring);
	free(t);
}

/* Events published so far. */
uint64_t fr_ws_table_published(const struct fr_ws_table *t)
{
	return atomic_load((_Atomic uint64_t *)&t->next) - 1;
}

/* Viewers connected now, all threads. */
long fr_ws_table_connected(const struct fr_ws_table *t)
{
	return atomic_load((_Atomic long *)&t->connected);
}

/* Counts one handshake rejected with STATUS (statuses beyond the table are dropped). */
static void table_reject(struct fr_ws_table *t, long status)
{
	for (size_t i = 0; i < FR_WS_MAX_STATUSES; i++) {
		long cur = atomic_load(&t->status[i]);
		if (!cur && atomic_compare_exchange_strong(&t->status[i], &cur, status))
			cur = status;
		if (cur == status) {
			atomic_fetch_add(&t->count[i], 1);
			return;
		}
	}
}

/* Copies the rejection statuses and counts out. */
size_t fr_ws_table_rejections(const struct fr_ws_table *t, long *status_out, uint64_t *count_out, size_t max)
{
	struct fr_ws_table *mt = (struct fr_ws_table *)t;
	size_t n = 0;
	for (size_t i = 0; i < FR_WS_MAX_STATUSES && n < max; i++) {
		long st = atomic_load(&mt->status[i]);
		if (!st)
			break;
		status_out[n] = st;
		count_out[n++] = atomic_load(&mt->count[i]);
	}
	return n;
}

/* "handshake rejected: HTTP 401 (12 times)" lines, or NULL. */
char *fr_ws_table_summary(const struct fr_ws_table *t)
{
	long st[FR_WS_MAX_STATUSES];
	uint64_t cnt[FR_WS_MAX_STATUSES];
	size_t n = fr_ws_table_rejections(t, st, cnt, FR_WS_MAX_STATUSES);
	char *out = NULL;
	for (size_t i = 0; i < n; i++) {
		char *line = xasprintf("%shandshake rejected: HTTP %ld (%llu time%s)\n", out ? out : "", st[i],
		                       (unsigned long long)cnt[i], cnt[i] == 1 ? "" : "s");
		free(out);
		out = line;
	}
	return out;
}

/* Writes the publish of SEQ into its slot (publisher thread only). */
static void slot_write(struct fr_ws_table *t, uint64_t seq, int64_t t_us, int segment)
{
	struct slot *s = &t->ring[seq & t->mask];
	atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->t_us, t_us, memory_order_relaxed);
	atomic_store_explicit(&s->segment, segment, memory_order_relaxed);
	atomic_store_explicit(&s->failed, 0, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq, memory_order_release);
}

/* Reads the slot of SEQ; 0 when the slot holds another event. */
static int slot_read(const struct fr_ws_table *t, uint64_t seq, int64_t *t_us, int *segment, int *failed)
{
	struct slot *s = &t->ring[seq & t->mask];
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != seq)
		return 0;
	*t_us = atomic_load_explicit(&s->t_us, memory_order_relaxed);
	*segment = atomic_load_explicit(&s->segment, memory_order_relaxed);
	*failed = atomic_load_explicit(&s->failed, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == seq;
}

/* ---- the driver ---- */

enum vstate {
	V_IDLE,       /* not wanted */
	V_DEAD,       /* wanted, but out of reconnect attempts until the next stage */
	V_QUEUED,     /* wanted, waiting for a handshake slot */
	V_CONNECTING, /* handshake in flight */
	V_OPEN,
	V_CLOSING, /* flowrun sent (or is sending) a close frame */
	V_WAIT,    /* reconnect delay */
};

enum vflag {
	F_COUNTED = 1,     /* in the delivery accounting (joined, not left) */
	F_PEER_CLOSED = 2, /* the server sent a close frame */
	F_OVERSIZED = 4,   /* the message being assembled went over the cap */
	F_SUBSCRIBED = 8,  /* the subscribe message went out */
	F_UNWANTED = 16,   /* close as soon as the handshake completes */
};

struct viewer {
	struct lws *wsi;
	int64_t t_ns;  /* connect start, or reconnect due time */
	char *partial; /* a fragmented message being assembled */
	uint32_t plen;
	uint32_t first; /* first expected seq (the next seq when it joined) */
	uint32_t hi;    /* highest seq in the duplicate bitmap */
	uint32_t idx;
	uint16_t attempts; /* reconnects since the last open */
	uint16_t gen;      /* reconnect queue generation */
	uint8_t state;
	uint8_t flags;
};

struct rq_entry {
	uint32_t idx;
	uint16_t gen;
};

/* One publish request in flight. */
struct pub {
	struct fr_ws_driver *d;
	struct fr_http *http;
	uint64_t seq;
	int segment;
	struct fr_varstore vars;
	struct pub *prev, *next;
};

struct fr_ws_driver {
	struct fr_loop *loop;
	struct fr_sched *sched;
	const struct fr_plan *plan;
	const struct fr_scenario *sc;
	int scenario, thread, nthreads, key;
	struct fr_results *res;
	const struct fr_timeline *tl;
	const struct fr_http_target *tgt;
	const struct fr_varstore *vars;
	struct fr_ws_table *t;
	struct fr_metrics *metrics;        /* live metrics, or NULL */
	volatile sig_atomic_t *abort_flag; /* set on SIGINT/SIGTERM: stop without draining */
	/* libwebsockets */
	struct lws_context *ctx;
	void *foreign[1];
	struct lws_protocols protos[2];
	char *address, *path, *host;
	int port, ssl;
	int url_bad;            /* the connect URL of this pass did not expand to a usable one */
	char **hname, **hvalue; /* "Name:" and value, expanded once */
	size_t nheaders;
	unsigned char *sub; /* LWS_PRE + subscribe message */
	size_t sublen;
	/* matching */
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	uint32_t group;
	/* viewers */
	struct viewer *v;
	uint64_t *bits; /* words per viewer × cap */
	uint32_t words;
	long cap, want, connected, connecting, scan;
	int pumping, stopped, destroying;
	struct rq_entry *rq;
	size_t rq_head, rq_len, rq_cap;
	struct fr_timer rq_timer, sweep_timer, pub_timer;
	/* per-thread accounting over the ring */
	int32_t *delta;
	uint32_t *rcv, *wdr;
	uint64_t swept; /* next seq to judge */
	long running;   /* viewers counted for seq `swept` */
	/* time */
	int pass;
	int64_t pass_t0_ns;
	int ending; /* the scenario ended: close the viewers once drained */
	/* publisher (thread 0) */
	int publishing;
	int64_t pub_t0_ns;
	uint64_t pub_i;
	uint64_t rng;
	struct pub *pubs;
};

/* This thread's share of N viewers. */
long fr_ws_share(long n, int thread, int nthreads)
{
	if (nthreads < 1)
		nthreads = 1;
	return n / nthreads + (thread < n % nthreads ? 1 : 0);
}

/* The results segment of monotonic time T_NS in the current pass. */
static int seg_at(const struct fr_ws_driver *d, int64_t t_ns)
{
	int64_t off = (int64_t)d->pass * d->tl->pass_us + (t_ns - d->pass_t0_ns) / 1000;
	int s = fr_timeline_segment_at(d->tl, d->pass, off);
	return s < 0 ? 0 : s;
}

/* Counts N of C in SEGMENT, and in the live metrics when there are any. */
static void count_ws(struct fr_ws_driver *d, int segment, enum fr_ws_counter c, uint64_t n)
{
	fr_results_count_ws(d->res, d->key, segment, c, n);
	if (d->metrics)
		fr_metrics_count_ws(d->metrics, d->key, c, n);
}

/* Counts N of C in the segment of now. */
static void count_now(struct fr_ws_driver *d, enum fr_ws_counter c, uint64_t n)
{
	count_ws(d, seg_at(d, fr_sched_now_ns()), c, n);
}

/* The duplicate bitmap of viewer V. */
static uint64_t *vbits(const struct fr_ws_driver *d, const struct viewer *v)
{
	return d->bits + (size_t)v->idx * d->words;
}

/* Whether viewer V got SEQ (within its bitmap window). */
static int got(const struct fr_ws_driver *d, const struct viewer *v, uint32_t seq)
{
	if ((int32_t)(seq - v->hi) > 0 || v->hi - seq >= d->t->size)
		return 0;
	uint32_t b = seq & d->t->mask;
	return (vbits(d, v)[b / 64] >> (b % 64)) & 1;
}

/* Marks SEQ as received by V, sliding its window forward when needed. */
static void mark(struct fr_ws_driver *d, struct viewer *v, uint32_t seq)
{
	uint64_t *w = vbits(d, v);
	if ((int32_t)(seq - v->hi) > 0) {
		if (seq - v->hi >= d->t->size) {
			memset(w, 0, d->words * sizeof *w);
		} else {
			for (uint32_t s = v->hi + 1; s != seq + 1; s++) {
				uint32_t b = s & d->t->mask;
				w[b / 64] &= ~(UINT64_C(1) << (b % 64));
			}
		}
		v->hi = seq;
	}
	uint32_t b = seq & d->t->mask;
	w[b / 64] |= UINT64_C(1) << (b % 64);
}

/* Viewer V starts expecting events: from the next seq on. */
static void join(struct fr_ws_driver *d, struct viewer *v)
{
	uint64_t f = atomic_load(&d->t->next);
	v->first = (uint32_t)f;
	v->hi = (uint32_t)f - 1;
	memset(vbits(d, v), 0, d->words * sizeof(uint64_t));
	d->delta[f & d->t->mask]++;
	v->flags |= F_COUNTED;
	d->connected++;
	atomic_fetch_add(&d->t->connected, 1);
	if (d->metrics)
		fr_metrics_add_ws_connections(d->metrics, d->scenario, 1);
}

/* Viewer V stops expecting events; WITHDRAW: it was closed by flowrun, so
 * the events it has not received yet are not expected from it. */
static void leave(struct fr_ws_driver *d, struct viewer *v, int withdraw)
{
	if (!(v->flags & F_COUNTED))
		return;
	uint64_t l = atomic_load(&d->t->next);
	d->delta[l & d->t->mask]--;
	if (withdraw) {
		uint64_t s = v->first > d->swept ? v->first : d->swept;
		for (; s < l; s++)
			if (!got(d, v, (uint32_t)s))
				d->wdr[s & d->t->mask]++;
	}
	v->flags &= (uint8_t)~F_COUNTED;
	d->connected--;
	atomic_fetch_sub(&d->t->connected, 1);
	if (d->metrics)
		fr_metrics_add_ws_connections(d->metrics, d->scenario, -1);
}

/* Judges event SEQ: expected = viewers counted for it, lost = expected −
 * received. FINAL: its deadline has not passed (end of run): nothing lost. */
static void judge(struct fr_ws_driver *d, uint64_t seq, int64_t now_us, int final)
{
	uint32_t i = seq & d->t->mask;
	int64_t t_us = 0;
	int segment = 0, failed = 0;
	d->running += d->delta[i];
	long expected = d->running - (long)d->wdr[i];
	long received = d->rcv[i];
	d->delta[i] = 0;
	d->wdr[i] = 0;
	d->rcv[i] = 0;
	d->swept = seq + 1;
	if (!slot_read(d->t, seq, &t_us, &segment, &failed))
		segment = seg_at(d, now_us * 1000);
	if (failed)
		return;
	if (final && now_us < t_us + d->t->deadline_us)
		expected = received;
	if (expected > 0)
		count_ws(d, segment, FR_WS_EXPECTED, (uint64_t)expected);
	if (expected > received)
		count_ws(d, segment, FR_WS_LOST, (uint64_t)(expected - received));
}

/* Whether every delivery of event SEQ (the next to judge) has arrived. */
static int complete(const struct fr_ws_driver *d, uint64_t seq)
{
	uint32_t i = seq & d->t->mask;
	return d->running + d->delta[i] - (long)d->wdr[i] == (long)d->rcv[i];
}

/* Judges, in seq order, every published event whose deadline has passed;
 * DRAIN: also those already complete (publishing has stopped, nothing can
 * still join them); FINAL: all of them. */
static void sweep(struct fr_ws_driver *d, int drain, int final)
{
	uint64_t head = atomic_load(&d->t->next);
	int64_t now_us = fr_sched_now_ns() / 1000;
	while (d->swept < head) {
		int64_t t_us = 0;
		int segment, failed;
		int known = slot_read(d->t, d->swept, &t_us, &segment, &failed);
		int behind = head - d->swept >= d->t->size - 1;
		int due = !known || behind || now_us >= t_us + d->t->deadline_us;
		if (!due && !final && !(drain && complete(d, d->swept)))
			break;
		judge(d, d->swept, now_us, final);
	}
}

/* Whether every published event has been judged. */
static int drained(struct fr_ws_driver *d)
{
	return d->swept >= atomic_load(&d->t->next);
}

/* The sweep timer: judge what is due; once an ending scenario has no event
 * pending any more, close its viewers. */
static void sweep_fire(struct fr_timer *tm)
{
	struct fr_ws_driver *d = CONTAINER(tm, struct fr_ws_driver, sweep_timer);
	sweep(d, d->ending, 0);
	if (d->ending && drained(d)) {
		d->ending = 0;
		fr_ws_driver_set_viewers(d, 0);
	}
	fr_sched_arm(d->sched, &d->sweep_timer, fr_sched_now_ns() + FR_WS_SWEEP_NS);
}

/* ---- connecting and closing ---- */

static void pump(struct fr_ws_driver *d);

/* Puts V into the reconnect queue, or gives up when out of attempts. */
static void retry_or_give_up(struct fr_ws_driver *d, struct viewer *v)
{
	if (d->stopped || (long)v->idx >= d->want) {
		v->state = V_IDLE;
		return;
	}
	if (v->attempts >= d->sc->ws.reconnect_attempts) {
		v->state = V_DEAD;
		return;
	}
	v->attempts++;
	v->gen++;
	v->state = V_WAIT;
	v->t_ns = fr_sched_now_ns() + d->sc->ws.reconnect_delay_us * 1000;
	if (d->rq_len == d->rq_cap) {
		size_t ncap = d->rq_cap ? d->rq_cap * 2 : 64;
		struct rq_entry *n = xcalloc(ncap, sizeof *n);
		for (size_t k = 0; k < d->rq_len; k++)
			n[k] = d->rq[(d->rq_head + k) % d->rq_cap];
		free(d->rq);
		d->rq = n;
		d->rq_head = 0;
		d->rq_cap = ncap;
	}
	d->rq[(d->rq_head + d->rq_len++) % d->rq_cap] = (struct rq_entry){v->idx, v->gen};
	if (!fr_timer_armed(&d->rq_timer))
		fr_sched_arm(d->sched, &d->rq_timer, v->t_ns);
}

/* The reconnect timer: queue every viewer whose delay is over. */
static void rq_fire(struct fr_timer *tm)
{
	struct fr_ws_driver *d = CONTAINER(tm, struct fr_ws_driver, rq_timer);
	int64_t now = fr_sched_now_ns();
	while (d->rq_len) {
		struct rq_entry e = d->rq[d->rq_head];
		struct viewer *v = &d->v[e.idx];
		int live = v->state == V_WAIT && v->gen == e.gen;
		if (live && v->t_ns > now) {
			fr_sched_arm(d->sched, &d->rq_timer, v->t_ns);
			break;
		}
		d->rq_head = (d->rq_head + 1) % d->rq_cap;
		d->rq_len--;
		if (!live)
			continue;
		count_now(d, FR_WS_RECONNECTS, 1);
		v->state = V_QUEUED;
		if ((long)v->idx < d->scan)
			d->scan = v->idx;
	}
	pump(d);
}

/* A handshake failed (STATUS: the HTTP answer when there was one). */
static void connect_failed(struct fr_ws_driver *d, struct viewer *v, long status)
{
	d->connecting--;
	v->wsi = NULL;
	if (status > 0 && status != 101) {
		count_now(d, FR_WS_HANDSHAKE_REJECTED, 1);
		table_reject(d->t, status);
	} else {
		count_now(d, FR_WS_CONNECT_FAILED, 1);
	}
	if (v->flags & F_UNWANTED)
		v->state = V_IDLE;
	else
		retry_or_give_up(d, v);
}

/* Starts the handshake of V. */
static void start_connect(struct fr_ws_driver *d, struct viewer *v)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = d->ctx;
	ci.address = d->address;
	ci.port = d->port;
	ci.path = d->path;
	ci.host = d->host;
	ci.origin = d->host;
	ci.ssl_connection = d->ssl ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = d->protos[0].name;
	ci.userdata = v;
	ci.pwsi = &v->wsi;
	v->state = V_CONNECTING;
	v->flags = 0;
	v->t_ns = fr_sched_now_ns();
	d->connecting++;
	if (d->url_bad)
		connect_failed(d, v, 0);
	else if (!lws_client_connect_via_info(&ci) && v->state == V_CONNECTING)
		connect_failed(d, v, 0);
}

/* Starts queued handshakes up to FR_WS_CONNECT_BATCH in flight. */
static void pump(struct fr_ws_driver *d)
{
	if (d->pumping || d->destroying)
		return;
	d->pumping = 1;
	while (d->scan < d->want && d->connecting < FR_WS_CONNECT_BATCH) {
		struct viewer *v = &d->v[d->scan++];
		if (v->state == V_QUEUED)
			start_connect(d, v);
	}
	d->pumping = 0;
}

/* Closes V because flowrun no longer wants it (a close frame when open). */
static void close_viewer(struct fr_ws_driver *d, struct viewer *v)
{
	switch (v->state) {
	case V_OPEN:
		leave(d, v, 1);
		v->state = V_CLOSING;
		lws_callback_on_writable(v->wsi);
		break;
	case V_CONNECTING: v->flags |= F_UNWANTED; break;
	case V_QUEUED:
	case V_WAIT:
	case V_DEAD: v->state = V_IDLE; break;
	default: break;
	}
}

/* Marks V wanted (again). */
static void want_viewer(struct fr_ws_driver *d, struct viewer *v)
{
	switch (v->state) {
	case V_IDLE:
	case V_DEAD:
		v->attempts = 0;
		v->state = V_QUEUED;
		if ((long)v->idx < d->scan)
			d->scan = v->idx;
		break;
	case V_CONNECTING: v->flags &= (uint8_t)~F_UNWANTED; break;
	default: /* open, waiting, or closing (requeued when closed) */ break;
	}
}

/* ---- libwebsockets events ---- */

/* Adds the auth and scenario headers to a handshake. */
static int append_headers(struct fr_ws_driver *d, struct lws *wsi, void *in, size_t len)
{
	unsigned char **p = in, *end = *p + len;
	for (size_t i = 0; i < d->nheaders; i++)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)d->hname[i],
		                                (const unsigned char *)d->hvalue[i], (int)strlen(d->hvalue[i]), p, end))
			return -1;
	return 0;
}

/* The handshake completed. */
static void on_open(struct fr_ws_driver *d, struct viewer *v)
{
	int64_t now = fr_sched_now_ns();
	d->connecting--;
	v->state = V_OPEN;
	v->attempts = 0;
	fr_results_record_connect(d->res, d->key, seg_at(d, now), (now - v->t_ns) / 1000);
	count_now(d, FR_WS_CONNECTS, 1);
	join(d, v);
	if ((v->flags & F_UNWANTED) || (long)v->idx >= d->want || d->stopped)
		close_viewer(d, v);
	else if (d->sub)
		lws_callback_on_writable(v->wsi);
	pump(d);
}

/* Parses an event id "e<seq>"; 0 when it is not one of ours. */
static uint64_t parse_id(const char *s, size_t len)
{
	if (len < 2 || len > 21 || s[0] != 'e')
		return 0;
	uint64_t n = 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	return n;
}

/* A complete message for viewer V: match it and account the delivery. */
static void on_message(struct fr_ws_driver *d, struct viewer *v, const char *msg, size_t len)
{
	int64_t now = fr_sched_now_ns();
	int rc = pcre2_match(d->re, (PCRE2_SPTR)msg, len, 0, 0, d->md, d->mctx);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
	uint64_t seq = 0;
	if (rc > (int)d->group && ov[2 * d->group] != PCRE2_UNSET)
		seq = parse_id(msg + ov[2 * d->group], ov[2 * d->group + 1] - ov[2 * d->group]);
	if (!seq || seq >= atomic_load_explicit(&d->t->next, memory_order_acquire)) {
		count_now(d, FR_WS_UNMATCHED, 1);
		return;
	}
	if (seq < v->first || seq < d->swept)
		return; /* published before it joined, or already judged (late) */
	int64_t t_us;
	int segment, failed;
	if (!slot_read(d->t, seq, &t_us, &segment, &failed))
		return;
	if (got(d, v, (uint32_t)seq)) {
		count_ws(d, segment, FR_WS_DUPLICATE, 1);
		return;
	}
	int64_t lat = now / 1000 - t_us;
	if (lat > d->t->deadline_us)
		return; /* late: the sweep counts it lost */
	mark(d, v, (uint32_t)seq);
	d->rcv[seq & d->t->mask]++;
	fr_results_record_delivery(d->res, d->key, segment, lat < 0 ? 0 : lat);
	if (d->metrics)
		fr_metrics_record_delivery(d->metrics, d->key, lat < 0 ? 0 : lat);
	count_ws(d, segment, FR_WS_RECEIVED, 1);
}

/* A fragment of a message (lws splits messages at the rx buffer size too). */
static void on_receive(struct fr_ws_driver *d, struct viewer *v, struct lws *wsi, const char *in, size_t len)
{
	int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (v->state != V_OPEN || !(v->flags & F_COUNTED))
		return;
	if (first && final && !v->partial) {
		if (len > FR_WS_FRAME_MAX)
			count_now(d, FR_WS_OVERSIZED, 1);
		else
			on_message(d, v, in, len);
		return;
	}
	if (first) {
		free(v->partial);
		v->partial = NULL;
		v->plen = 0;
		v->flags &= (uint8_t)~F_OVERSIZED;
	}
	if (!(v->flags & F_OVERSIZED)) {
		if (v->plen + len > FR_WS_FRAME_MAX) {
			free(v->partial);
			v->partial = NULL;
			v->plen = 0;
			v->flags |= F_OVERSIZED;
		} else {
			v->partial = xrealloc(v->partial, v->plen + len + 1);
			memcpy(v->partial + v->plen, in, len);
			v->plen += (uint32_t)len;
		}
	}
	if (!final)
		return;
	if (v->flags & F_OVERSIZED)
		count_now(d, FR_WS_OVERSIZED, 1);
	else
		on_message(d, v, v->partial ? v->partial : "", v->plen);
	free(v->partial);
	v->partial = NULL;
	v->plen = 0;
	v->flags &= (uint8_t)~F_OVERSIZED;
}

/* The connection may write: the subscribe message, or our close frame. */
static int on_writable(struct fr_ws_driver *d, struct viewer *v, struct lws *wsi)
{
	if (v->state == V_CLOSING) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (v->state == V_OPEN && d->sub && !(v->flags & F_SUBSCRIBED)) {
		v->flags |= F_SUBSCRIBED;
		if (lws_write(wsi, d->sub + LWS_PRE, d->sublen, LWS_WRITE_TEXT) < (int)d->sublen)
			return -1;
	}
	return 0;
}

/* An established connection ended. */
static void on_closed(struct fr_ws_driver *d, struct viewer *v)
{
	free(v->partial);
	v->partial = NULL;
	v->plen = 0;
	v->wsi = NULL;
	if (v->state == V_CLOSING) {
		v->state = V_IDLE;
		if ((long)v->idx < d->want && !d->stopped)
			want_viewer(d, v);
		pump(d);
		return;
	}
	leave(d, v, 0);
	count_now(d, (v->flags & F_PEER_CLOSED) ? FR_WS_DISCONNECT_SERVER : FR_WS_DISCONNECT_ERROR, 1);
	retry_or_give_up(d, v);
	pump(d);
}

/* The libwebsockets callback of the driver's protocol. */
static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct fr_ws_driver *d = lws_context_user(lws_get_context(wsi));
	struct viewer *v = user;
	if (!d || !v || d->destroying) {
		if (v && d && d->destroying &&
		    (reason == LWS_CALLBACK_CLIENT_CLOSED || reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR))
			v->wsi = NULL;
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: return append_headers(d, wsi, in, len);
	case LWS_CALLBACK_CLIENT_ESTABLISHED: on_open(d, v); break;
	case LWS_CALLBACK_CLIENT_RECEIVE: on_receive(d, v, wsi, in, len); break;
	case LWS_CALLBACK_CLIENT_WRITEABLE: return on_writable(d, v, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		v->flags |= F_PEER_CLOSED;
		if (v->state == V_OPEN)
			leave(d, v, 0); /* nothing arrives after a close frame */
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (v->state == V_CONNECTING)
			connect_failed(d, v, lws_http_client_http_response(wsi));
		pump(d);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (v->state == V_OPEN || v->state == V_CLOSING)
			on_closed(d, v);
		break;
	default: break;
	}
	return 0;
}

/* ---- the publisher ---- */

/* The publish request of one event ended. */
static void pub_done(struct fr_http *req, const struct fr_http_result *r, void *arg)
{
	struct pub *p = arg;
	struct fr_ws_driver *d = p->d;
	if (r->outcome != FR_OK || r->status >= 400) {
		struct slot *s = &d->t->ring[p->seq & d->t->mask];
		if (atomic_load(&s->seq) == p->seq)
			atomic_store(&s->failed, 1);
		count_ws(d, p->segment, FR_WS_PUBLISH_FAILED, 1);
	}
	if (p->prev)
		p->prev->next = p->next;
	else
		d->pubs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	fr_varstore_clear(&p->vars);
	free(p);
}

/* Publishes the next event: table first, then the request. */
static void publish_one(struct fr_ws_driver *d)
{
	int64_t now = fr_sched_now_ns();
	uint64_t seq = atomic_load(&d->t->next);
	struct pub *p = xcalloc(1, sizeof *p);
	char id[32];
	p->d = d;
	p->seq = seq;
	p->segment = seg_at(d, now);
	p->vars.parent = d->vars;
	snprintf(id, sizeof id, "e%llu", (unsigned long long)seq);
	fr_varstore_set(&p->vars, "event_id", id);
	slot_write(d->t, seq, now / 1000, p->segment);
	atomic_store(&d->t->next, seq + 1);
	count_ws(d, p->segment, FR_WS_PUBLISHED, 1);
	p->next = d->pubs;
	if (d->pubs)
		d->pubs->prev = p;
	d->pubs = p;
	struct fr_http_result r;
	p->http = fr_http_start(d->loop, d->tgt, &d->sc->ws.publish, &p->vars, &d->rng, pub_done, p, &r);
	if (!p->http)
		pub_done(NULL, &r, p);
}

/* The publish timer: send every event whose intended time has come. */
static void pub_fire(struct fr_timer *tm)
{
	struct fr_ws_driver *d = CONTAINER(tm, struct fr_ws_driver, pub_timer);
	double gap_ns = 1e9 / d->sc->ws.publish_rate;
	int64_t now = fr_sched_now_ns(), at;
	while (d->publishing && (at = d->pub_t0_ns + (int64_t)((double)d->pub_i * gap_ns)) <= now) {
		d->pub_i++;
		publish_one(d);
	}
	if (d->publishing)
		fr_sched_arm(d->sched, &d->pub_timer, d->pub_t0_ns + (int64_t)((double)d->pub_i * gap_ns));
}

/* ---- creation ---- */

/* Resolves HOST to a numeric address once (lws resolves with blocking calls). */
static char *numeric_host(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	struct addrinfo hints, *ai = NULL;
	char buf[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
		return xstrdup(host);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &ai) || !ai)
		return NULL;
	const void *src = ai->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
	                                            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	char *out = inet_ntop(ai->ai_family, src, buf, sizeof buf) ? xstrdup(buf) : NULL;
	freeaddrinfo(ai);
	return out;
}

/* Splits "scheme://host[:port][/path]"; returns 0 or -1. */
static int split_url(struct fr_ws_driver *d, const char *url, const char *path_override, char **err_out)
{
	const char *p;
	if (!strncmp(url, "ws://", 5) || !strncmp(url, "http://", 7)) {
		d->ssl = 0;
		d->port = 80;
	} else if (!strncmp(url, "wss://", 6) || !strncmp(url, "https://", 8)) {
		d->ssl = 1;
		d->port = 443;
	} else {
		*err_out = xasprintf("websocket URL '%s' is not ws://, wss:// or a path on the target", url);
		return -1;
	}
	p = strstr(url, "://") + 3;
	size_t hl = strcspn(p, "/?");
	char *hostport = xstrndup(p, hl);
	char *host = hostport, *colon;
	if (*host == '[') {
		char *rb = strchr(host, ']');
		colon = rb && rb[1] == ':' ? rb + 1 : NULL;
		if (rb)
			*rb = 0;
		host++;
	} else {
		colon = strrchr(host, ':');
	}
	if (colon) {
		*colon = 0;
		d->port = atoi(colon + 1);
	}
	d->address = numeric_host(host);
	d->host = strchr(host, ':') ? xasprintf("[%s]:%d", host, d->port) : xasprintf("%s:%d", host, d->port);
	free(hostport);
	if (!d->address || d->port <= 0 || d->port > 65535) {
		*err_out = xasprintf("websocket URL '%s': cannot resolve host or bad port", url);
		return -1;
	}
	const char *path = path_override ? path_override : p + hl;
	d->path = *path == '/' ? xstrdup(path) : xasprintf("/%s", path);
	return 0;
}

/* Frees what expand_templates made. */
static void clear_templates(struct fr_ws_driver *d)
{
	for (size_t i = 0; i < d->nheaders; i++) {
		free(d->hname[i]);
		free(d->hvalue[i]);
	}
	free(d->hname);
	free(d->hvalue);
	free(d->sub);
	free(d->address);
	free(d->path);
	free(d->host);
	d->hname = d->hvalue = NULL;
	d->nheaders = 0;
	d->sub = NULL;
	d->sublen = 0;
	d->address = d->path = d->host = NULL;
}

/* Expands the connect URL, the headers and the subscribe message from the
 * run's variables: at creation, and again at every pass (setup captures such
 * as a dashboard id exist only once the pass's setup has run). */
static int expand_templates(struct fr_ws_driver *d, char **err_out)
{
	const struct fr_plan *plan = d->plan;
	uint64_t rng = d->rng;
	clear_templates(d);
	char *url = fr_vars_expand(d->sc->ws.connect ? d->sc->ws.connect : "/", d->vars, &rng, NULL);
	int rc;
	if (url[0] == '/')
		rc = split_url(d, d->tgt && d->tgt->base_url ? d->tgt->base_url : plan->base_url, url, err_out);
	else
		rc = split_url(d, url, NULL, err_out);
	free(url);
	if (rc)
		return -1;
	const struct fr_kvlist *lists[2] = {&plan->auth_headers, &d->sc->ws.headers};
	size_t n = plan->auth_headers.n + d->sc->ws.headers.n;
	d->hname = xcalloc(n ? n : 1, sizeof *d->hname);
	d->hvalue = xcalloc(n ? n : 1, sizeof *d->hvalue);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			d->hname[d->nheaders] = xasprintf("%s:", lists[l]->items[i].key);
			d->hvalue[d->nheaders++] = fr_vars_expand(lists[l]->items[i].value, d->vars, &rng, NULL);
		}
	if (d->sc->ws.subscribe) {
		char *s = fr_vars_expand(d->sc->ws.subscribe, d->vars, &rng, NULL);
		d->sublen = strlen(s);
		d->sub = xmalloc(LWS_PRE + d->sublen + 1);
		memcpy(d->sub + LWS_PRE, s, d->sublen + 1);
		free(s);
	}
	return 0;
}

/* Compiles the match pattern (group "id", else 1, else 0) with match limits. */
static int compile_match(struct fr_ws_driver *d, char **err_out)
{
	int ec;
	PCRE2_SIZE eo;
	const char *pat = d->sc->ws.match ? d->sc->ws.match : "\"(e[0-9]+)\"";
	d->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	if (!d->re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		*err_out = xasprintf("match pattern '%s': %s at offset %zu", pat, (char *)msg, (size_t)eo);
		return -1;
	}
	pcre2_jit_compile(d->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	uint32_t ncap = 0;
	pcre2_pattern_info(d->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	int named = pcre2_substring_number_from_name(d->re, (PCRE2_SPTR) "id");
	d->group = named > 0 ? (uint32_t)named : ncap ? 1 : 0;
	d->md = pcre2_match_data_create_from_pattern(d->re, NULL);
	d->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(d->mctx, 100000);
	pcre2_set_depth_limit(d->mctx, 1000);
	return 0;
}

/* Creates the lws client context on the loop's libev loop. */
static int create_context(struct fr_ws_driver *d, char **err_out)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	d->protos[0].name = "flowrun-ws";
	d->protos[0].callback = ws_callback;
	d->protos[0].rx_buffer_size = FR_WS_RX_BUFFER;
	d->foreign[0] = fr_loop_ev(d->loop);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = d->protos;
	info.options = LWS_SERVER_OPTION_LIBEV | (d->ssl ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.foreign_loops = d->foreign;
	info.user = d;
	info.fd_limit_per_thread = 0;
	info.timeout_secs = 10;
	d->ctx = lws_create_context(&info);
	if (!d->ctx) {
		*err_out = xstrdup("cannot create the libwebsockets context (is libwebsockets-evlib-ev installed?)");
		return -1;
	}
	return 0;
}

/* Largest share this thread can get over the scenario's stages. */
static long peak_share(const struct fr_scenario *sc, int thread, int nthreads)
{
	long peak = 0;
	for (size_t i = 0; i < sc->nstages; i++) {
		long s = fr_ws_share((long)(sc->stages[i].level + 0.5), thread, nthreads);
		if (s > peak)
			peak = s;
	}
	return peak;
}

static atomic_flag log_set = ATOMIC_FLAG_INIT;

/* lws logs every I/O change of the ev plugin at NOTICE (and every rejected
 * handshake at WARN, which flowrun counts itself): errors only. */
static void quiet_lws(void)
{
	if (!atomic_flag_test_and_set(&log_set))
		lws_set_log_level(LLL_ERR, NULL);
}

/* Creates a driver (see ws.h). */
struct fr_ws_driver *fr_ws_driver_create(struct fr_loop *loop, const struct fr_plan *plan, int scenario, int thread,
                                         int nthreads, struct fr_results *res, const struct fr_http_target *tgt,
                                         const struct fr_varstore *vars, struct fr_ws_table *table, char **err_out)
{
	struct fr_ws_driver *d = xcalloc(1, sizeof *d);
	quiet_lws();
	fr_loop_raise_nofile();
	d->loop = loop;
	d->sched = fr_loop_sched(loop);
	d->plan = plan;
	d->sc = &plan->scenarios[scenario];
	d->scenario = scenario;
	d->thread = thread;
	d->nthreads = nthreads < 1 ? 1 : nthreads;
	d->res = res;
	d->tl = res->tl;
	d->key = fr_results_key(res, scenario, NULL);
	d->tgt = tgt;
	d->vars = vars;
	d->t = table;
	d->rng = UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(thread + 1) * UINT64_C(0x2545F4914F6CDD1D);
	d->pass_t0_ns = fr_sched_now_ns();
	d->swept = atomic_load(&table->next);
	fr_timer_init(&d->rq_timer, rq_fire);
	fr_timer_init(&d->sweep_timer, sweep_fire);
	fr_timer_init(&d->pub_timer, pub_fire);
	if (expand_templates(d, err_out) || compile_match(d, err_out) || create_context(d, err_out)) {
		fr_ws_driver_free(d);
		return NULL;
	}
	d->cap = peak_share(d->sc, d->thread, d->nthreads);
	d->words = table->size / 64;
	d->v = xcalloc(d->cap ? (size_t)d->cap : 1, sizeof *d->v);
	d->bits = xcalloc(d->cap ? (size_t)d->cap * d->words : 1, sizeof *d->bits);
	for (long i = 0; i < d->cap; i++)
		d->v[i].idx = (uint32_t)i;
	d->delta = xcalloc(table->size, sizeof *d->delta);
	d->rcv = xcalloc(table->size, sizeof *d->rcv);
	d->wdr = xcalloc(table->size, sizeof *d->wdr);
	fr_sched_arm(d->sched, &d->sweep_timer, fr_sched_now_ns() + FR_WS_SWEEP_NS);
	return d;
}

/* Starts a pass: segments are mapped from PASS_T0_NS. */
void fr_ws_driver_pass(struct fr_ws_driver *d, int pass, int64_t pass_t0_ns)
{
	char *err = NULL;
	d->pass = pass;
	d->pass_t0_ns = pass_t0_ns;
	d->url_bad = expand_templates(d, &err) != 0;
	free(err);
}

/* Reports to live metrics M (NULL: none) from now on. */
void fr_ws_driver_set_metrics(struct fr_ws_driver *d, struct fr_metrics *m)
{
	d->metrics = m;
}

/* Stop skips the drain once *FLAG is set (NULL: never). */
void fr_ws_driver_set_abort(struct fr_ws_driver *d, volatile sig_atomic_t *flag)
{
	d->abort_flag = flag;
}

/* Sets the total viewer count of the stage; the first call starts the publisher. */
void fr_ws_driver_set_viewers(struct fr_ws_driver *d, long n)
{
	long share = fr_ws_share(n < 0 ? 0 : n, d->thread, d->nthreads);
	if (d->stopped)
		return;
	if (share > d->cap)
		share = d->cap;
	d->ending = 0;
	if (d->metrics && d->thread == 0)
		fr_metrics_set_viewers(d->metrics, d->scenario, (double)(n < 0 ? 0 : n));
	sweep(d, 0, 0);
	for (long i = share; i < d->want; i++)
		close_viewer(d, &d->v[i]);
	long old = d->want;
	d->want = share;
	for (long i = 0; i < share; i++)
		if (i >= old || d->v[i].state == V_DEAD)
			want_viewer(d, &d->v[i]);
	if (d->thread == 0 && !d->publishing && d->sc->ws.publish_rate > 0) {
		d->publishing = 1;
		d->pub_t0_ns = fr_sched_now_ns();
		d->pub_i = 0;
		fr_sched_arm(d->sched, &d->pub_timer, d->pub_t0_ns);
	}
	pump(d);
}

/* Ends the scenario in this pass: no more publishing; the viewers stay until
 * every event published is judged (all delivered, or its deadline passed),
 * then close (sweep_fire). */
static void driver_end(struct fr_ws_driver *d)
{
	d->publishing = 0;
	fr_sched_cancel(d->sched, &d->pub_timer);
	d->ending = 1;
}

/* Viewers this driver wants connected now. */
long fr_ws_driver_wanted(const struct fr_ws_driver *d)
{
	return d->want;
}

/* Viewers of this driver connected now. */
long fr_ws_driver_connected(const struct fr_ws_driver *d)
{
	return d->connected;
}

/* A timer that only wakes the loop while stop waits. */
static void wake_fire(struct fr_timer *tm)
{
	(void)tm;
}

/* Runs the loop until DONE(d), UNTIL_NS or an abort, waking at least every 20 ms. */
static void run_until(struct fr_ws_driver *d, int (*done)(struct fr_ws_driver *), int64_t until_ns)
{
	struct fr_timer wake;
	fr_timer_init(&wake, wake_fire);
	while (!done(d) && fr_sched_now_ns() < until_ns && !(d->abort_flag && *d->abort_flag)) {
		fr_sched_arm(d->sched, &wake, fr_sched_now_ns() + FR_WS_SWEEP_NS);
		fr_loop_run_once(d->loop);
		sweep(d, 1, 0);
	}
	fr_sched_cancel(d->sched, &wake);
}

/* Whether no viewer has a connection any more. */
static int all_closed(struct fr_ws_driver *d)
{
	for (long i = 0; i < d->cap; i++)
		if (d->v[i].wsi)
			return 0;
	return 1;
}

/* Stops: no more publishing; waits (running the loop) until every event is
 * judged, at most the deadline; closes every viewer, waiting up to 1 s for
 * the close handshakes; judges what is left (see ws.h). */
void fr_ws_driver_stop(struct fr_ws_driver *d)
{
	if (d->stopped)
		return;
	driver_end(d);
	fr_sched_cancel(d->sched, &d->rq_timer);
	for (long i = 0; i < d->cap; i++)
		if (d->v[i].state == V_QUEUED || d->v[i].state == V_WAIT || d->v[i].state == V_DEAD)
			d->v[i].state = V_IDLE;
	d->want = 0; /* nothing new connects; open viewers stay until drained */
	sweep(d, 1, 0);
	if (!d->abort_flag || !*d->abort_flag)
		run_until(d, drained, fr_sched_now_ns() + d->t->deadline_us * 1000 + FR_WS_SWEEP_NS);
	d->ending = 0;
	for (long i = 0; i < d->cap; i++)
		close_viewer(d, &d->v[i]);
	d->stopped = 1;
	run_until(d, all_closed, fr_sched_now_ns() + 1000000000);
	fr_sched_cancel(d->sched, &d->sweep_timer);
	sweep(d, 0, 1);
}

/* Frees a driver (stopping it first); accepts NULL. */
void fr_ws_driver_free(struct fr_ws_driver *d)
{
	if (!d)
		return;
	if (d->ctx && d->v)
		fr_ws_driver_stop(d);
	fr_sched_cancel(d->sched, &d->rq_timer);
	fr_sched_cancel(d->sched, &d->sweep_timer);
	fr_sched_cancel(d->sched, &d->pub_timer);
	while (d->pubs) {
		struct pub *p = d->pubs;
		d->pubs = p->next;
		if (p->http)
			fr_http_cancel(p->http);
		fr_varstore_clear(&p->vars);
		free(p);
	}
	d->destroying = 1;
	if (d->ctx)
		lws_context_destroy(d->ctx);
	for (long i = 0; i < d->cap; i++)
		free(d->v[i].partial);
	free(d->v);
	free(d->bits);
	free(d->rq);
	free(d->delta);
	free(d->rcv);
	free(d->wdr);
	pcre2_match_data_free(d->md);
	pcre2_match_context_free(d->mctx);
	pcre2_code_free(d->re);
	clear_templates(d);
	free(d);
}

/* ---- run.h glue ---- */

struct fr_ws_run {
	const struct fr_plan *plan;
	struct fr_ws_table **tables; /* per scenario; NULL for other models */
	_Atomic(char *) error;       /* the first driver creation error */
	struct fr_metrics *metrics;  /* given to every driver, may be NULL */
	volatile sig_atomic_t *abort_flag;
};

struct ws_worker {
	struct fr_ws_run *r;
	struct fr_ws_driver **d; /* per scenario */
	size_t n;
};

/* Creates the tables of every websocket scenario of PLAN. */
struct fr_ws_run *fr_ws_run_create(const struct fr_plan *plan)
{
	struct fr_ws_run *r = xcalloc(1, sizeof *r);
	r->plan = plan;
	r->tables = xcalloc(plan->nscenarios ? plan->nscenarios : 1, sizeof *r->tables);
	for (size_t s = 0; s < plan->nscenarios; s++)
		if (plan->scenarios[s].model == FR_MODEL_WEBSOCKET)
			r->tables[s] = fr_ws_table_create(&plan->scenarios[s]);
	atomic_init(&r->error, NULL);
	return r;
}

/* Makes every driver created from now on report to live metrics M. */
void fr_ws_run_set_metrics(struct fr_ws_run *r, struct fr_metrics *m)
{
	r->metrics = m;
}

/* Drivers created from now on skip their end-of-run drain once *FLAG is set. */
void fr_ws_run_set_abort(struct fr_ws_run *r, volatile sig_atomic_t *flag)
{
	r->abort_flag = flag;
}

/* Frees the run object and its tables; accepts NULL. */
void fr_ws_run_free(struct fr_ws_run *r)
{
	if (!r)
		return;
	for (size_t s = 0; s < r->plan->nscenarios; s++)
		fr_ws_table_free(r->tables[s]);
	free(r->tables);
	free(atomic_load(&r->error));
	free(r);
}

/* The event table of SCENARIO, or NULL for another model. */
struct fr_ws_table *fr_ws_run_table(const struct fr_ws_run *r, int scenario)
{
	return r->tables[scenario];
}

/* Rejection lines of every websocket scenario, prefixed with its name. */
char *fr_ws_run_summary(const struct fr_ws_run *r)
{
	char *out = NULL;
	for (size_t s = 0; s < r->plan->nscenarios; s++) {
		char *lines = r->tables[s] ? fr_ws_table_summary(r->tables[s]) : NULL;
		for (char *l = lines, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			char *n =
			        xasprintf("%s%s: %.*s\n", out ? out : "", r->plan->scenarios[s].name, (int)(nl - l), l);
			free(out);
			out = n;
		}
		free(lines);
	}
	return out;
}

/* The first driver creation error, or NULL. */
const char *fr_ws_run_error(const struct fr_ws_run *r)
{
	return atomic_load(&((struct fr_ws_run *)r)->error);
}

/* run.h worker_start: the drivers of this worker thread. */
void *fr_ws_worker_start(const struct fr_worker_info *w, void *arg)
{
	struct fr_ws_run *r = arg;
	struct ws_worker *wk = xcalloc(1, sizeof *wk);
	wk->r = r;
	wk->n = r->plan->nscenarios;
	wk->d = xcalloc(wk->n ? wk->n : 1, sizeof *wk->d);
	for (size_t s = 0; s < wk->n; s++) {
		char *err = NULL;
		if (!r->tables[s])
			continue;
		wk->d[s] = fr_ws_driver_create(w->loop, r->plan, (int)s, w->thread, w->nthreads, w->results, w->target,
		                               w->vars, r->tables[s], &err);
		if (wk->d[s]) {
			fr_ws_driver_set_metrics(wk->d[s], r->metrics);
			fr_ws_driver_set_abort(wk->d[s], r->abort_flag);
		} else {
			char *msg = xasprintf("scenario %s: %s", r->plan->scenarios[s].name, err), *none = NULL;
			if (!atomic_compare_exchange_strong(&r->error, &none, msg))
				free(msg);
			free(err);
		}
	}
	return wk;
}

/* run.h worker_action: stages, stops, pass starts and ends. */
void fr_ws_worker_action(void *state, const struct fr_action *act, int64_t pass_t0_ns)
{
	struct ws_worker *wk = state;
	for (size_t s = 0; s < wk->n; s++) {
		struct fr_ws_driver *d = wk->d[s];
		if (!d || (act->scenario >= 0 && act->scenario != (int)s))
			continue;
		if (d->pass != act->pass || d->pass_t0_ns != pass_t0_ns)
			fr_ws_driver_pass(d, act->pass, pass_t0_ns);
		if (act->kind == FR_ACT_STAGE)
			fr_ws_driver_set_viewers(d, (long)(act->level + 0.5));
		else if (act->kind == FR_ACT_STOP || act->kind == FR_ACT_END)
			driver_end(d);
	}
}

/* run.h worker_stop: stop and free this thread's drivers. */
void fr_ws_worker_stop(void *state)
{
	struct ws_worker *wk = state;
	if (!wk)
		return;
	for (size_t s = 0; s < wk->n; s++)
		fr_ws_driver_free(wk->d[s]);
	free(wk->d);
	free(wk);
}
