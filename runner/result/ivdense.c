/* ivdense.c: a flat array of bucket counts filled from interval histograms (see ivdense.h). */
#include "result/ivdense.h"

#include "result/hist.h"

struct add_arg {
	struct fr_ivdense *d;
	int sign;
};

/* fr_ivhist_foreach callback: one bucket's count in or out. */
static void add_bucket(int64_t low_us, uint64_t count, void *arg)
{
	struct add_arg *a = arg;
	uint64_t *c = &a->d->counts[fr_ivhist_bucket_of(low_us)];
	if (a->sign > 0) {
		*c += count;
		a->d->total += count;
	} else {
		*c -= count;
		a->d->total -= count;
	}
}

/* Bucket by bucket: an interval histogram holds a few hundred at most. */
void fr_ivdense_add(struct fr_ivdense *d, const struct fr_ivhist *h, int sign)
{
	struct add_arg a = {d, sign};
	fr_ivhist_foreach(h, add_bucket, &a);
}

/* The rank as hist.c and ivhist.c compute it; a bucket's highest value is
 * one below the next bucket's lowest. */
int64_t fr_ivdense_quantile(const struct fr_ivdense *d, double q, int64_t max_us)
{
	if (!d->total)
		return 0;
	uint64_t rank = fr_hist_rank(q, d->total), seen = 0;
	for (int i = 0; i < FR_IVDENSE_BUCKETS; i++) {
		seen += d->counts[i];
		if (seen >= rank) {
			int64_t high = fr_ivhist_bucket_low(i + 1) - 1;
			return high < max_us ? high : max_us;
		}
	}
	return max_us;
}
