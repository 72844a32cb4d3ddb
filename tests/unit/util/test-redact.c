/* test-redact.c: registered secret values are replaced by their labels in every spelling a writer uses;
 * short values are left alone; credentials leave URLs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/redact.h"
#include "util/xmalloc.h"

/* Checks that IN redacts to WANT. */
static void is(const char *in, const char *want, const char *name)
{
	char *got = fr_redact(in);
	tap_is_str(got, want, name);
	free(got);
}

/* Writes ARG, a string, for fr_redact_through. */
static int put(FILE *out, const void *arg)
{
	fputs(arg, out);
	return 0;
}

int main(void)
{
	is("nothing registered", "nothing registered", "no value registered: the text is unchanged");
	tap_is_int(fr_redact_active(), 0, "and the registry is not active");

	fr_redact_add("Sup3r$ecret/Value", "${env:MY_TOKEN}");
	tap_is_int(fr_redact_active(), 1, "a registered value makes it active");
	is("error: invalid duration 'Sup3r$ecret/Value'", "error: invalid duration '${env:MY_TOKEN}'",
	   "the value is replaced by ${env:NAME}");
	is("Sup3r$ecret/ValueSup3r$ecret/Value", "${env:MY_TOKEN}${env:MY_TOKEN}", "every occurrence, back to back");
	is("Sup3r$ecret/Valu", "Sup3r$ecret/Valu", "a prefix of the value is not it");

	fr_redact_add("q\"uo\\te<&>|x", "${env:ODD}");
	is("{\"d\":\"q\\\"uo\\\\te<&>|x\"}", "{\"d\":\"${env:ODD}\"}",
	   "its JSON spelling (quote and backslash escaped)");
	is("<p v=\"q&quot;uo\\te&lt;&amp;&gt;|x\"/>", "<p v=\"${env:ODD}\"/>", "its XML spelling");
	is("| q\"uo\\te<&>\\|x |", "| ${env:ODD} |", "its Markdown table spelling");
	is("\"q\\\"uo\\\\te\\u003c&>|x\"", "\"${env:ODD}\"", "its JSON-in-HTML spelling ('<' as \\u003c)");

	fr_redact_add("abc", "${env:SHORT}");
	is("abc and abcd", "abc and abcd", "a value shorter than FR_REDACT_MIN is not registered");
	fr_redact_add("abcdefgh", "${env:LONG}");
	fr_redact_add("abcd", "${env:MID}");
	is("abcdefgh abcd", "${env:LONG} ${env:MID}", "a longer value wins over one it contains");
	fr_redact_add("abcd", "${env:AGAIN}");
	is("abcd", "${env:MID}", "a value registered twice keeps its first label");

	fr_redact_add("http://127.0.0.1:8474", "${env:TOXIPROXY_URL}");
	fr_redact_add("http://[::1]:9090/", "${env:PROM}");
	is("at http://127.0.0.1:8474 and http://[::1]:9090/", "at http://127.0.0.1:8474 and http://[::1]:9090/",
	   "a URL that is only an address is not a secret: messages name it");
	fr_redact_add("https://hooks.example/T0/B0/XXXX", "${env:HOOK}");
	fr_redact_add("http://bob:pw@db:5432", "${env:DB}");
	fr_redact_add("http://h:1/?token=abcdef", "${env:TOK}");
	is("https://hooks.example/T0/B0/XXXX http://bob:pw@db:5432 http://h:1/?token=abcdef",
	   "${env:HOOK} ${env:DB} ${env:TOK}", "one with a path, credentials or a query is redacted whole");

	char *mem = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&mem, &size);
	tap_is_int(fr_redact_through(m, put, "key=Sup3r$ecret/Value\n"), 0, "fr_redact_through runs the filler");
	fclose(m);
	tap_is_str(mem, "key=${env:MY_TOKEN}\n", "and writes what it wrote, redacted");
	free(mem);

	char *u = fr_redact_url("http://bob:hunter2@127.0.0.1:8474/x");
	tap_is_str(u, "http://***@127.0.0.1:8474/x", "user:password@ leaves a URL");
	free(u);
	u = fr_redact_url("https://tok@host/p@th?q=a@b");
	tap_is_str(u, "https://***@host/p@th?q=a@b", "a token@ too; an @ after the host stays");
	free(u);
	u = fr_redact_url("http://127.0.0.1:9090");
	tap_is_str(u, "http://127.0.0.1:9090", "a URL without credentials is unchanged");
	free(u);
	u = fr_redact_url("not a url");
	tap_is_str(u, "not a url", "neither is something else");
	free(u);

	fr_redact_clear();
	is("Sup3r$ecret/Value", "Sup3r$ecret/Value", "fr_redact_clear forgets every value");
	return tap_done();
}
