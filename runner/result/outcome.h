/* outcome.h: how a request ended — the classes every count of errors uses.
 *
 * A header of one type: results.h (per segment) and timeseries.h (per interval)
 * both count requests by it; fr_outcome_name (results.h) spells it.
 */
#ifndef FR_OUTCOME_H
#define FR_OUTCOME_H

enum fr_outcome {
	FR_OK,
	FR_ERR_CONNECT_REFUSED,
	FR_ERR_CONNECT_TIMEOUT,
	FR_ERR_TIMEOUT, /* request timeout */
	FR_ERR_RESET,
	FR_ERR_TLS,
	FR_ERR_HTTP_4XX,
	FR_ERR_HTTP_5XX,
	FR_ERR_OTHER,
	FR_OUTCOME_N,
};

#endif
