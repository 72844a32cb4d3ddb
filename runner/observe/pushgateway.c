/* pushgateway.c: one PUT of the exposition text to a Pushgateway (see pushgateway.h). */
#include "observe/pushgateway.h"

#include <stdlib.h>

#include "observe/exposition.h"
#include "util/httpapi.h"
#include "util/xmalloc.h"

/* The Pushgateway answers a push with an empty body, an error with a line. */
static const struct fr_httpapi_limits push_limits = {
        .connect_ms = 10000,
        .total_ms = 10000,
        .max_answer = 64 * 1024,
};

/* PUTs the current exposition to a Pushgateway, once. */
int fr_pushgateway_push(const struct fr_metrics *m, const char *url, char **err_out)
{
	struct fr_httpapi *api = fr_httpapi_create("pushgateway", url, push_limits);
	size_t len;
	char *text = fr_exposition_render(m, &len);
	char *id = fr_httpapi_escape(api, fr_metrics_run_id(m));
	char *path = xasprintf("/metrics/job/flowrun/run_id/%s/shard/%d", id, fr_metrics_shard(m));
	int ret = 0;

	*err_out = NULL;
	if (fr_httpapi_call(api, "PUT", path, "text/plain; version=0.0.4", text, len, NULL) != FR_HTTPAPI_OK) {
		*err_out = xasprintf("cannot push metrics: %s", fr_httpapi_error(api));
		ret = -1;
	}
	free(path);
	free(id);
	free(text);
	fr_httpapi_free(api);
	return ret;
}
