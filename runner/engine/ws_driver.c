/* ws_driver.c: the WebSocket viewer driver — see ws_driver.h for the model and the accounting.
 *
 * Layout: viewers and their state machine (IDLE → QUEUED → CONNECTING → OPEN
 * → CLOSING), per-thread delivery accounting and the sweep, the reconnect
 * queue, the libwebsockets callback and frame assembly, and creation and
 * stop. The publisher of thread 0 is ws_publisher.c.
 *
 * Timers are struct fr_timer embedded in the driver (sched.h): one for the
 * sweep, one for the head of the reconnect queue
 * (reconnects are due in the order they were queued, since the delay is the
 * same for all). A viewer costs sizeof(struct viewer) plus its duplicate
 * bitmap (one bit per ring slot) plus lws's own per-connection state.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "engine/sched.h"
#include "engine/ws_driver.h"
#include "engine/ws_match.h"
#include "engine/ws_publisher.h"
#include "engine/ws_target.h"
#include "observe/metrics.h"
#include "result/timeseries.h"
#include "util/clock.h"
#include "util/container.h"
#include "util/xmalloc.h"

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

_Static_assert(FR_PLAN_MAX_RECONNECT < UINT16_MAX, "reconnect attempts are counted in 16 bits");

struct viewer {
	struct lws *wsi;
	int64_t t_ns;  /* connect start, or reconnect due time */
	char *partial; /* a fragmented message being assembled */
	uint32_t plen;
	uint32_t first; /* first expected seq (the next seq when it joined) */
	uint32_t hi;    /* highest seq in the duplicate bitmap */
	uint32_t idx;
	uint16_t attempts; /* reconnects since the last open (at most FR_PLAN_MAX_RECONNECT) */
	uint16_t gen;      /* reconnect queue generation */
	uint8_t state;
	uint8_t flags;
};

struct rq_entry {
	uint32_t idx;
	uint16_t gen;
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
	uint32_t size, mask; /* the table's ring */
	int64_t deadline_us;
	struct fr_metrics *metrics;        /* live metrics, or NULL */
	volatile sig_atomic_t *abort_flag; /* set on SIGINT/SIGTERM: stop without draining */
	/* libwebsockets */
	struct lws_context *ctx;
	SSL_CTX *ssl_ctx; /* wss: our client TLS context, freed after lws's (see client_tls) */
	void *foreign[1];
	struct lws_protocols protos[2];
	struct fr_ws_target target; /* expanded at creation and at every pass */
	int url_bad;                /* the connect URL of this pass did not expand to a usable one */
	struct fr_ws_match *match;
	/* viewers */
	struct viewer *v;
	uint64_t *bits; /* words per viewer × cap */
	uint32_t words;
	long cap, want, connected, connecting, scan;
	int pumping, stopped, destroying;
	struct rq_entry *rq;
	size_t rq_head, rq_len, rq_cap;
	struct fr_timer rq_timer, sweep_timer;
	/* per-thread accounting over the ring */
	int32_t *delta;
	uint32_t *rcv, *wdr;
	uint64_t swept; /* next seq to judge */
	long running;   /* viewers counted for seq `swept` */
	/* time */
	int pass;
	int64_t pass_t0_ns;
	int ending;                  /* the scenario ended: close the viewers once drained */
	uint64_t rng;                /* ${rand:…} in the connect target and the publish request */
	struct fr_ws_publisher *pub; /* thread 0, when the scenario publishes */
};

/* This thread's share of N viewers. */
long fr_ws_driver_share(long n, int thread, int nthreads)
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

/* The timeline offset of monotonic time T_NS, clamped into the current pass. */
static int64_t at_of(const struct fr_ws_driver *d, int64_t t_ns)
{
	int64_t off = (t_ns - d->pass_t0_ns) / 1000;
	if (off >= d->tl->pass_us)
		off = d->tl->pass_us - 1;
	return (int64_t)d->pass * d->tl->pass_us + (off > 0 ? off : 0);
}

/* Counts N of C in the interval of the event published at T_US (monotonic µs). */
static void count_iv(struct fr_ws_driver *d, int64_t t_us, enum fr_iv_counter c, uint64_t n)
{
	fr_timeseries_count(d->res->series, d->key, at_of(d, t_us * 1000), c, n);
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
	count_ws(d, seg_at(d, fr_clock_mono_ns()), c, n);
}

/* The duplicate bitmap of viewer V. */
static uint64_t *vbits(const struct fr_ws_driver *d, const struct viewer *v)
{
	return d->bits + (size_t)v->idx * d->words;
}

/* Whether viewer V got SEQ (within its bitmap window). */
static int got(const struct fr_ws_driver *d, const struct viewer *v, uint32_t seq)
{
	if ((int32_t)(seq - v->hi) > 0 || v->hi - seq >= d->size)
		return 0;
	uint32_t b = seq & d->mask;
	return (vbits(d, v)[b / 64] >> (b % 64)) & 1;
}

/* Marks SEQ as received by V, sliding its window forward when needed. */
static void mark(struct fr_ws_driver *d, struct viewer *v, uint32_t seq)
{
	uint64_t *w = vbits(d, v);
	if ((int32_t)(seq - v->hi) > 0) {
		if (seq - v->hi >= d->size) {
			memset(w, 0, d->words * sizeof *w);
		} else {
			for (uint32_t s = v->hi + 1; s != seq + 1; s++) {
				uint32_t b = s & d->mask;
				w[b / 64] &= ~(UINT64_C(1) << (b % 64));
			}
		}
		v->hi = seq;
	}
	uint32_t b = seq & d->mask;
	w[b / 64] |= UINT64_C(1) << (b % 64);
}

/* Viewer V starts expecting events: from the next seq on. */
static void join(struct fr_ws_driver *d, struct viewer *v)
{
	uint64_t f = fr_ws_table_next(d->t);
	v->first = (uint32_t)f;
	v->hi = (uint32_t)f - 1;
	memset(vbits(d, v), 0, d->words * sizeof(uint64_t));
	d->delta[f & d->mask]++;
	v->flags |= F_COUNTED;
	d->connected++;
	fr_timeseries_gauge(d->res->series, d->scenario, at_of(d, fr_clock_mono_ns()), (uint32_t)d->connected);
	fr_ws_table_add_connected(d->t, 1);
	if (d->metrics)
		fr_metrics_add_ws_connections(d->metrics, d->scenario, 1);
}

/* Viewer V stops expecting events; WITHDRAW: it was closed by flowrun, so
 * the events it has not received yet are not expected from it. */
static void leave(struct fr_ws_driver *d, struct viewer *v, int withdraw)
{
	if (!(v->flags & F_COUNTED))
		return;
	uint64_t l = fr_ws_table_next(d->t);
	d->delta[l & d->mask]--;
	if (withdraw) {
		uint64_t s = v->first > d->swept ? v->first : d->swept;
		for (; s < l; s++)
			if (!got(d, v, (uint32_t)s))
				d->wdr[s & d->mask]++;
	}
	v->flags &= (uint8_t)~F_COUNTED;
	d->connected--;
	fr_timeseries_gauge(d->res->series, d->scenario, at_of(d, fr_clock_mono_ns()), (uint32_t)d->connected);
	fr_ws_table_add_connected(d->t, -1);
	if (d->metrics)
		fr_metrics_add_ws_connections(d->metrics, d->scenario, -1);
}

/* Judges event SEQ: expected = viewers counted for it, lost = expected −
 * received. FINAL: its deadline has not passed (end of run): nothing lost. */
static void judge(struct fr_ws_driver *d, uint64_t seq, int64_t now_us, int final)
{
	uint32_t i = seq & d->mask;
	int64_t t_us = 0;
	int segment = 0, failed = 0;
	d->running += d->delta[i];
	long expected = d->running - (long)d->wdr[i];
	long received = d->rcv[i];
	d->delta[i] = 0;
	d->wdr[i] = 0;
	d->rcv[i] = 0;
	d->swept = seq + 1;
	int64_t iv_us = now_us; /* the interval of the publish time, or of now when unknown */
	if (!fr_ws_table_read(d->t, seq, &t_us, &segment, &failed))
		segment = seg_at(d, now_us * 1000);
	else
		iv_us = t_us;
	if (failed)
		return;
	if (final && now_us < t_us + d->deadline_us)
		expected = received;
	if (expected > 0) {
		count_ws(d, segment, FR_WS_EXPECTED, (uint64_t)expected);
		count_iv(d, iv_us, FR_IV_WS_EXPECTED, (uint64_t)expected);
	}
	if (expected > received) {
		count_ws(d, segment, FR_WS_LOST, (uint64_t)(expected - received));
		count_iv(d, iv_us, FR_IV_WS_LOST, (uint64_t)(expected - received));
	}
}

/* Whether every delivery of event SEQ (the next to judge) has arrived. */
static int complete(const struct fr_ws_driver *d, uint64_t seq)
{
	uint32_t i = seq & d->mask;
	return d->running + d->delta[i] - (long)d->wdr[i] == (long)d->rcv[i];
}

/* Judges, in seq order, every published event whose deadline has passed;
 * DRAIN: also those already complete (publishing has stopped, nothing can
 * still join them); FINAL: all of them. */
static void sweep(struct fr_ws_driver *d, int drain, int final)
{
	uint64_t head = fr_ws_table_next(d->t);
	int64_t now_us = fr_clock_mono_ns() / 1000;
	while (d->swept < head) {
		int64_t t_us = 0;
		int segment, failed;
		int known = fr_ws_table_read(d->t, d->swept, &t_us, &segment, &failed);
		int behind = head - d->swept >= d->size - 1;
		int due = !known || behind || now_us >= t_us + d->deadline_us;
		if (!due && !final && !(drain && complete(d, d->swept)))
			break;
		judge(d, d->swept, now_us, final);
	}
}

/* Whether every published event has been judged. */
static int drained(struct fr_ws_driver *d)
{
	return d->swept >= fr_ws_table_next(d->t);
}

/* The sweep timer: judge what is due; once an ending scenario has no event
 * pending any more, close its viewers. */
static void sweep_fire(struct fr_timer *tm)
{
	struct fr_ws_driver *d = FR_CONTAINER_OF(tm, struct fr_ws_driver, sweep_timer);
	sweep(d, d->ending, 0);
	fr_results_note_active(d->res, d->scenario, seg_at(d, fr_clock_mono_ns()), (uint64_t)d->connected);
	if (d->ending && drained(d)) {
		d->ending = 0;
		fr_ws_driver_set_viewers(d, 0, 0, 0);
	}
	fr_sched_arm(d->sched, &d->sweep_timer, fr_clock_mono_ns() + FR_WS_SWEEP_NS);
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
	v->t_ns = fr_clock_mono_ns() + d->sc->ws.reconnect_delay_us * 1000;
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
	struct fr_ws_driver *d = FR_CONTAINER_OF(tm, struct fr_ws_driver, rq_timer);
	int64_t now = fr_clock_mono_ns();
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
		fr_ws_table_reject(d->t, status);
	} else {
		count_now(d, FR_WS_CONNECT_FAILED, 1);
	}
	if (v->flags & F_UNWANTED)
		v->state = V_IDLE;
	else
		retry_or_give_up(d, v);
}

/* No lws validity (ping/pong) timers: with them lws re-inserts a
 * connection's timer into its one sorted list on every frame it receives,
 * a walk over the viewers of the thread (12 % of the driver's CPU at 10,000
 * viewers). A dead server shows up as a close or a TCP error anyway. */
static const lws_retry_bo_t no_validity_timer = {0};

/* Starts the handshake of V. */
static void start_connect(struct fr_ws_driver *d, struct viewer *v)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = d->ctx;
	ci.address = d->target.address;
	ci.port = d->target.port;
	ci.path = d->target.path;
	ci.host = d->target.host;
	ci.origin = d->target.host;
	ci.ssl_connection = d->target.ssl ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = d->protos[0].name;
	ci.userdata = v;
	ci.pwsi = &v->wsi;
	ci.retry_and_idle_policy = &no_validity_timer;
	v->state = V_CONNECTING;
	v->flags = 0;
	v->t_ns = fr_clock_mono_ns();
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
	for (size_t i = 0; i < d->target.nheaders; i++)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)d->target.hname[i],
		                                (const unsigned char *)d->target.hvalue[i],
		                                (int)strlen(d->target.hvalue[i]), p, end))
			return -1;
	return 0;
}

/* The handshake completed. */
static void on_open(struct fr_ws_driver *d, struct viewer *v)
{
	int64_t now = fr_clock_mono_ns();
	d->connecting--;
	v->state = V_OPEN;
	v->attempts = 0;
	fr_results_record_connect(d->res, d->key, seg_at(d, now), (now - v->t_ns) / 1000);
	fr_results_note_slow(d->res, d->key, seg_at(d, now), FR_SERIES_CONNECT, (now - v->t_ns) / 1000,
	                     at_of(d, v->t_ns), -1);
	count_now(d, FR_WS_CONNECTS, 1);
	join(d, v);
	if ((v->flags & F_UNWANTED) || (long)v->idx >= d->want || d->stopped)
		close_viewer(d, v);
	else if (d->target.sub)
		lws_callback_on_writable(v->wsi);
	pump(d);
}

/* A complete message for viewer V: match it and account the delivery. */
static void on_message(struct fr_ws_driver *d, struct viewer *v, const char *msg, size_t len)
{
	int64_t now = fr_clock_mono_ns();
	uint64_t seq = fr_ws_match_seq(d->match, msg, len);
	if (!seq || seq >= fr_ws_table_next(d->t)) {
		count_now(d, FR_WS_UNMATCHED, 1);
		return;
	}
	if (seq < v->first || seq < d->swept)
		return; /* published before it joined, or already judged (late) */
	int64_t t_us;
	int segment, failed;
	if (!fr_ws_table_read(d->t, seq, &t_us, &segment, &failed))
		return;
	if (got(d, v, (uint32_t)seq)) {
		count_ws(d, segment, FR_WS_DUPLICATE, 1);
		count_iv(d, t_us, FR_IV_WS_DUPLICATE, 1);
		return;
	}
	int64_t lat = now / 1000 - t_us;
	if (lat > d->deadline_us)
		return; /* late: the sweep counts it lost */
	mark(d, v, (uint32_t)seq);
	d->rcv[seq & d->mask]++;
	fr_results_record_delivery(d->res, d->key, segment, lat < 0 ? 0 : lat);
	fr_results_note_slow(d->res, d->key, segment, FR_SERIES_DELIVERY, lat < 0 ? 0 : lat, at_of(d, t_us * 1000), -1);
	fr_timeseries_delivery(d->res->series, d->key, at_of(d, t_us * 1000), lat < 0 ? 0 : lat);
	if (d->metrics)
		fr_metrics_record_delivery(d->metrics, d->key, lat < 0 ? 0 : lat);
	count_ws(d, segment, FR_WS_RECEIVED, 1);
	count_iv(d, t_us, FR_IV_WS_RECEIVED, 1);
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
	if (v->state == V_OPEN && d->target.sub && !(v->flags & F_SUBSCRIBED)) {
		v->flags |= F_SUBSCRIBED;
		if (lws_write(wsi, d->target.sub + LWS_PRE, d->target.sublen, LWS_WRITE_TEXT) < (int)d->target.sublen)
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

/* ---- the publisher's view of the accounting ---- */

/* The publisher asks for the segment of each event's publish time. */
static int pub_segment(void *arg, int64_t t_ns)
{
	return seg_at(arg, t_ns);
}

/* The publisher counts published and failed events through the driver. */
static void pub_count(void *arg, int segment, enum fr_ws_counter c)
{
	count_ws(arg, segment, c, 1);
}

/* ---- creation ---- */

/* The scenario's publisher on this driver's loop; INTENDED and SHADOW as in ws_publisher.h. */
static struct fr_ws_publisher *make_publisher(struct fr_ws_driver *d, int intended, int shadow)
{
	struct fr_ws_publisher_conf pc = {
	        .loop = d->loop,
	        .tgt = d->tgt,
	        .request = &d->sc->ws.publish,
	        .rate = d->sc->ws.publish_rate,
	        .vars = d->vars,
	        .table = d->t,
	        .rng = &d->rng,
	        .segment_at = pub_segment,
	        .count = pub_count,
	        .arg = d,
	        .intended = intended,
	        .shadow = shadow,
	};
	return fr_ws_publisher_create(&pc);
}

/* Expands the connect target of this pass from the run variables. */
static int expand_target(struct fr_ws_driver *d, char **err_out)
{
	return fr_ws_target_expand(&d->target, d->plan, d->sc, d->tgt, d->vars, d->rng, err_out);
}

/* wss: a client TLS context that verifies the peer against the target's CA
 * file (or the system's CAs); lws checks the host name per connection. lws
 * 4.1.6 left the client context it makes itself allocated when two worker
 * threads had one each (an intermittent LeakSanitizer report of its
 * SSL_CTX, certificates included); one we make and free ourselves is not. */
static SSL_CTX *client_tls(const struct fr_http_target *tgt, char **err_out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	const char *ca = tgt ? tgt->ca_file : NULL;

	if (!ctx || !(ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL) : SSL_CTX_set_default_verify_paths(ctx))) {
		*err_out = xasprintf("cannot set up TLS for wss%s%s", ca ? " with the CA file " : "", ca ? ca : "");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
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
	info.options = LWS_SERVER_OPTION_LIBEV | (d->target.ssl ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.foreign_loops = d->foreign;
	if (d->target.ssl && !(info.provided_client_ssl_ctx = d->ssl_ctx = client_tls(d->tgt, err_out)))
		return -1;
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
		long s = fr_ws_driver_share((long)(sc->stages[i].level + 0.5), thread, nthreads);
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

/* Creates a driver (see ws_driver.h). */
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
	d->pass_t0_ns = fr_clock_mono_ns();
	d->size = fr_ws_table_size(table);
	d->mask = d->size - 1;
	d->deadline_us = fr_ws_table_deadline_us(table);
	d->swept = fr_ws_table_next(table);
	fr_timer_init(&d->rq_timer, rq_fire);
	fr_timer_init(&d->sweep_timer, sweep_fire);
	if (expand_target(d, err_out) || !(d->match = fr_ws_match_create(d->sc->ws.match_re)) ||
	    create_context(d, err_out)) {
		fr_ws_driver_free(d);
		return NULL;
	}
	d->cap = peak_share(d->sc, d->thread, d->nthreads);
	d->words = d->size / 64;
	d->v = xcalloc(d->cap ? (size_t)d->cap : 1, sizeof *d->v);
	d->bits = xcalloc(d->cap ? (size_t)d->cap * d->words : 1, sizeof *d->bits);
	for (long i = 0; i < d->cap; i++)
		d->v[i].idx = (uint32_t)i;
	d->delta = xcalloc(d->size, sizeof *d->delta);
	d->rcv = xcalloc(d->size, sizeof *d->rcv);
	d->wdr = xcalloc(d->size, sizeof *d->wdr);
	if (thread == 0 && d->sc->ws.publish_rate > 0)
		d->pub = make_publisher(d, 0, 0);
	fr_sched_arm(d->sched, &d->sweep_timer, fr_clock_mono_ns() + FR_WS_SWEEP_NS);
	return d;
}

/* One publisher for all shards (lane 0), a shadow of it on every other
 * shard's first lane; the lanes are those of plan/shard.h. */
void fr_ws_driver_set_shard(struct fr_ws_driver *d, int shard, int nshards)
{
	if (nshards <= 1 || d->sc->ws.publish_rate <= 0 || d->thread >= nshards)
		return;
	fr_ws_publisher_free(d->pub);
	d->pub = make_publisher(d, 1, shard != 0);
}

/* Starts a pass: segments are mapped from PASS_T0_NS. */
void fr_ws_driver_pass(struct fr_ws_driver *d, int pass, int64_t pass_t0_ns, char **err_out)
{
	*err_out = NULL;
	if (d->pass == pass && d->pass_t0_ns == pass_t0_ns)
		return;
	d->pass = pass;
	d->pass_t0_ns = pass_t0_ns;
	d->url_bad = expand_target(d, err_out) != 0;
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
void fr_ws_driver_set_viewers(struct fr_ws_driver *d, long n, int64_t at_ns, int64_t until_ns)
{
	long share = fr_ws_driver_share(n < 0 ? 0 : n, d->thread, d->nthreads);
	if (d->stopped)
		return;
	if (share > d->cap)
		share = d->cap;
	d->ending = 0;
	sweep(d, 0, 0);
	for (long i = share; i < d->want; i++)
		close_viewer(d, &d->v[i]);
	long old = d->want;
	d->want = share;
	for (long i = 0; i < share; i++)
		if (i >= old || d->v[i].state == V_DEAD)
			want_viewer(d, &d->v[i]);
	if (d->pub)
		fr_ws_publisher_start(d->pub, at_ns, until_ns);
	pump(d);
}

/* Ends the scenario in this pass: no more publishing; the viewers stay until
 * every event published is judged (all delivered, or its deadline passed),
 * then close (sweep_fire). */
void fr_ws_driver_end(struct fr_ws_driver *d)
{
	fr_ws_publisher_stop(d->pub);
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
	while (!done(d) && fr_clock_mono_ns() < until_ns && !(d->abort_flag && *d->abort_flag)) {
		fr_sched_arm(d->sched, &wake, fr_clock_mono_ns() + FR_WS_SWEEP_NS);
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
 * the close handshakes; judges what is left (see ws_driver.h). */
void fr_ws_driver_stop(struct fr_ws_driver *d)
{
	if (d->stopped)
		return;
	fr_ws_driver_end(d);
	fr_sched_cancel(d->sched, &d->rq_timer);
	for (long i = 0; i < d->cap; i++)
		if (d->v[i].state == V_QUEUED || d->v[i].state == V_WAIT || d->v[i].state == V_DEAD)
			d->v[i].state = V_IDLE;
	d->want = 0; /* nothing new connects; open viewers stay until drained */
	sweep(d, 1, 0);
	if (!d->abort_flag || !*d->abort_flag)
		run_until(d, drained, fr_clock_mono_ns() + d->deadline_us * 1000 + FR_WS_SWEEP_NS);
	d->ending = 0;
	for (long i = 0; i < d->cap; i++)
		close_viewer(d, &d->v[i]);
	d->stopped = 1;
	run_until(d, all_closed, fr_clock_mono_ns() + 1000000000);
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
	fr_ws_publisher_free(d->pub);
	d->destroying = 1;
	if (d->ctx)
		lws_context_destroy(d->ctx);
	SSL_CTX_free(d->ssl_ctx);
	for (long i = 0; i < d->cap; i++)
		free(d->v[i].partial);
	free(d->v);
	free(d->bits);
	free(d->rq);
	free(d->delta);
	free(d->rcv);
	free(d->wdr);
	fr_ws_match_free(d->match);
	fr_ws_target_clear(&d->target);
	free(d);
}
