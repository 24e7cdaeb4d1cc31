/*
 * test_path_match.c
 *	  Unit tests of path_match_core.c: the parser (valid patterns, every
 *	  malformed case with its position), the matcher and the counter on
 *	  hand-worked paths, and the linear-time cases.
 */
#include <time.h>

#include "unit.h"
#include "path_match_core.h"

#define MAXPATH 64

static PmPattern *
comp(const char *pat)
{
	PmPattern  *p;
	PmError		err;

	if (pm_compile(pat, strlen(pat), &unit_allocator, &p, &err) != CXM_OK)
	{
		fprintf(stderr, "  pattern '%s' failed at %d: %s\n", pat, err.position, err.message);
		return NULL;
	}
	return p;
}

/* path: names separated by single spaces, "~" standing for a NULL element */
static int
to_syms(PmPattern *p, const char *path, int32_t *syms)
{
	int			n = 0;
	const char *s = path;

	while (*s)
	{
		const char *e = strchr(s, ' ');
		size_t		len = e ? (size_t) (e - s) : strlen(s);

		if (len == 1 && s[0] == '~')
			syms[n++] = pm_null_symbol(p);
		else
			syms[n++] = pm_symbol(p, s, len);
		s += len;
		if (*s == ' ')
			s++;
	}
	return n;
}

/* 1 match, 0 no match, -1 pattern error */
static int
m(const char *pat, const char *path)
{
	PmPattern  *p = comp(pat);
	int32_t		syms[MAXPATH];
	int			r;

	if (!p)
		return -1;
	r = pm_match(p, syms, to_syms(p, path, syms)) ? 1 : 0;
	pm_free(p, &unit_allocator);
	return r;
}

static long
cnt(const char *pat, const char *path)
{
	PmPattern  *p = comp(pat);
	int32_t		syms[MAXPATH];
	long		r;

	if (!p)
		return -1;
	r = (long) pm_count(p, syms, to_syms(p, path, syms), &unit_allocator);
	pm_free(p, &unit_allocator);
	return r;
}

/* position of the syntax error (0 when the pattern compiles); msg must contain want */
static int
errpos(const char *pat, const char *want)
{
	PmPattern  *p;
	PmError		err;

	if (pm_compile(pat, strlen(pat), &unit_allocator, &p, &err) == CXM_OK)
	{
		pm_free(p, &unit_allocator);
		return 0;
	}
	if (want && strstr(err.message, want) == NULL)
	{
		fprintf(stderr, "  pattern '%s': message '%s' lacks '%s'\n", pat, err.message, want);
		return -1;
	}
	return err.position;
}

static void
test_parse_valid(void)
{
	PmPattern  *p;
	static const char *ok[] = {
		"", "()", "a|", "|", "(|a)", "\"\"", "\"a\"\"b\"", "a-b.c_d", "(cart|checkout){2}",
		"a{0}", "a{0,}", "a { 2 , 3 }", "a *", "^ad_click _{0,3} cart checkout",
		"[a b c]", "[^a]", "[\"x y\" z]", "((a))", "a|b|c", "^", "$", "^$", "_ _*",
		"a{1000}", "(a b)+", "\xc3\xa9t\xc3\xa9", "\t a \n b \r", "a{2,}", "(a*)*", NULL
	};
	int			k;

	for (k = 0; ok[k]; k++)
		CHECK(errpos(ok[k], NULL) == 0);

	/* a and "a" are the same name; _ is not a name */
	p = comp("a \"a\" b _ [^c]");
	CHECK(p != NULL);
	if (p)
	{
		CHECK(pm_nnames(p) == 3);
		CHECK(pm_symbol(p, "a", 1) == pm_symbol(p, "\"a\"" + 1, 1));
		CHECK(pm_symbol(p, "zz", 2) == pm_other_symbol(p));
		CHECK(pm_symbol(p, "_", 1) == pm_other_symbol(p));
		CHECK(pm_null_symbol(p) != pm_other_symbol(p));
		pm_free(p, &unit_allocator);
	}
	p = comp("\"a\"\"b\" \"x y\" \"\"");
	CHECK(p != NULL);
	if (p)
	{
		int32_t		syms[3];

		CHECK(pm_nnames(p) == 3);
		CHECK(pm_symbol(p, "a\"b", 3) != pm_other_symbol(p));
		syms[0] = pm_symbol(p, "a\"b", 3);
		syms[1] = pm_symbol(p, "x y", 3);
		syms[2] = pm_symbol(p, "", 0);
		CHECK(pm_match(p, syms, 3));
		CHECK(!pm_match(p, syms, 2));
		pm_free(p, &unit_allocator);
	}
}

static void
test_parse_errors(void)
{
	char		deep[260];
	int			k;

	CHECK(errpos("a (b", "unclosed \"(\"") == 3);
	CHECK(errpos("a b)", "unmatched \")\"") == 4);
	CHECK(errpos("[a b", "unclosed \"[\"") == 1);
	CHECK(errpos("x []", "empty [ ]") == 4);
	CHECK(errpos("[^ ]", "empty [ ]") == 4);
	CHECK(errpos("[a (b)]", "unexpected character \"(\" inside [ ]") == 4);
	CHECK(errpos("[a b*]", "unexpected character \"*\"") == 5);
	CHECK(errpos("[_ a]", "wildcard _") == 2);
	CHECK(errpos("* a", "nothing to repeat") == 1);
	CHECK(errpos("a | *", "nothing to repeat") == 5);
	CHECK(errpos("( * )", "nothing to repeat") == 3);
	CHECK(errpos("a {2}", NULL) == 0);
	CHECK(errpos("^*", "anchor cannot be repeated") == 2);
	CHECK(errpos("a $ +", "anchor cannot be repeated") == 5);
	CHECK(errpos("a**", "another quantifier") == 3);
	CHECK(errpos("a{2} {3}", "another quantifier") == 6);
	CHECK(errpos("a+?", "another quantifier") == 3);
	CHECK(errpos("a{", "missing") == 3);
	CHECK(errpos("a{x}", "unexpected character \"x\" in { }") == 3);
	CHECK(errpos("a{,3}", "unexpected character \",\"") == 3);
	CHECK(errpos("a{3,2}", "minimum exceeds the maximum") == 2);
	CHECK(errpos("a{1001}", "exceeds the limit of 1000") == 3);
	CHECK(errpos("a{2,99999999999999999999}", "exceeds the limit of 1000") == 5);
	CHECK(errpos("a{2", "unclosed \"{\"") == 2);
	CHECK(errpos("a{2,3", "unclosed \"{\"") == 2);
	CHECK(errpos("a{2 x}", "expected \"}\"") == 5);
	CHECK(errpos("b \"abc", "unterminated quoted name") == 3);
	CHECK(errpos("a ! b", "unexpected character \"!\"") == 3);
	CHECK(errpos("a\x01", "byte 0x01") == 2);
	CHECK(errpos("a ]", "unmatched \"]\"") == 3);
	CHECK(errpos("a }", "unmatched \"}\"") == 3);
	CHECK(errpos("a , b", "unexpected character \",\"") == 3);
	/* positions count characters, not bytes */
	CHECK(errpos("\xc3\xa9\xc3\xa9 (", "unclosed") == 4);
	CHECK(errpos("\"\xc3\xa9\" )", "unmatched") == 5);
	/* nesting and size limits */
	for (k = 0; k < 201; k++)
		deep[k] = '(';
	deep[201] = '\0';
	CHECK(errpos(deep, "nested too deeply") == 201);
	deep[200] = '\0';
	CHECK(errpos(deep, "unclosed \"(\"") == 200);
	CHECK(errpos("(a{1000}){1000}", "too complex") == 10);
	CHECK(errpos("x (_{1000}){100}", "too complex") == 12);
	CHECK(errpos("(a b){1000}", NULL) == 0);
	CHECK(errpos("x (_{1000}){99}", NULL) == 0);
}

static void
test_match(void)
{
	CHECK(m("a b", "x a b y") == 1);
	CHECK(m("a b", "a x b") == 0);
	CHECK(m("a", "") == 0);
	CHECK(m("", "") == 1);
	CHECK(m("", "a") == 1);
	CHECK(m("^a", "a b") == 1);
	CHECK(m("^a", "b a") == 0);
	CHECK(m("b$", "a b") == 1);
	CHECK(m("a$", "a b") == 0);
	CHECK(m("^$", "") == 1);
	CHECK(m("^$", "a") == 0);
	CHECK(m("^a b$", "a b") == 1);
	CHECK(m("^a b$", "a b b") == 0);
	/* NULL elements: only _ matches them */
	CHECK(m("_", "~") == 1);
	CHECK(m("a", "~") == 0);
	CHECK(m("[^a b]", "~") == 0);
	CHECK(m("[^a b]", "c") == 1);
	CHECK(m("[^a b]", "a b") == 0);
	CHECK(m("[^a] b", "b b") == 1);
	CHECK(m("[a b]", "c b") == 1);
	CHECK(m("[a b]", "c d") == 0);
	CHECK(m("a _ b", "a ~ b") == 1);
	CHECK(m("a [^x] b", "a ~ b") == 0);
	/* quantifiers */
	CHECK(m("^a{2,3}$", "a a") == 1);
	CHECK(m("^a{2,3}$", "a") == 0);
	CHECK(m("^a{2,3}$", "a a a a") == 0);
	CHECK(m("^a{2}$", "a a a") == 0);
	CHECK(m("^a{2,}$", "a a a a a") == 1);
	CHECK(m("^a{0}$", "") == 1);
	CHECK(m("^a+$", "") == 0);
	CHECK(m("^a*$", "") == 1);
	CHECK(m("^a? b$", "b") == 1);
	CHECK(m("^(cart|checkout){2}$", "cart checkout") == 1);
	CHECK(m("^(cart|checkout){2}$", "cart checkout cart") == 0);
	CHECK(m("^ad_click _{0,3} cart checkout", "ad_click x y cart checkout") == 1);
	CHECK(m("^ad_click _{0,3} cart checkout", "ad_click x ~ y cart checkout z") == 1);
	CHECK(m("^ad_click _{0,3} cart checkout", "ad_click w x y z cart checkout") == 0);
	CHECK(m("^ad_click _{0,3} cart checkout", "z ad_click cart checkout") == 0);
	/* anchors inside groups */
	CHECK(m("(^a|b) c", "x a c") == 0);
	CHECK(m("(^a|b) c", "a c") == 1);
	CHECK(m("(^a|b) c", "x b c") == 1);
	CHECK(m("a ($|b)", "a c") == 0);
	CHECK(m("a ($|b)", "c a") == 1);
	CHECK(m("a ^ b", "a b") == 0);
	/* empty loops */
	CHECK(m("^(a*)*$", "a a") == 1);
	CHECK(m("^(a*)*$", "a b") == 0);
	CHECK(m("^(a?|b)+ c$", "a b b c") == 1);
	CHECK(m("^(|a)+$", "a a") == 1);
	CHECK(m("a-b.c", "a-b.c") == 1);
	CHECK(m("a-b.c", "a") == 0);
	CHECK(m("A", "a") == 0);
}

static void
test_count(void)
{
	CHECK(cnt("a", "a a b a") == 3);
	CHECK(cnt("a a", "a a a") == 1);
	CHECK(cnt("a a", "a a a a") == 2);
	CHECK(cnt("a*", "a b") == 3);		/* [0,1) [1,1) [2,2) */
	CHECK(cnt("a*", "") == 1);
	CHECK(cnt("", "a b") == 3);
	CHECK(cnt("b?", "a b a") == 4);		/* [0,0) [1,2) [2,2) [3,3) */
	CHECK(cnt("a|a b", "a b a b") == 2);
	CHECK(cnt("a _* b", "a a b a b") == 1);
	CHECK(cnt("a _* b", "a a b a c") == 1);
	CHECK(cnt("^a", "a a a") == 1);
	CHECK(cnt("a$", "a a a") == 1);
	CHECK(cnt("^", "a a") == 1);
	CHECK(cnt("$", "a a") == 1);
	CHECK(cnt("^$", "") == 1);
	CHECK(cnt("x", "a a") == 0);
	CHECK(cnt("_", "a ~ b") == 3);
	CHECK(cnt("[^a]", "a ~ b") == 1);
	CHECK(cnt("a | a _* b", "a a a c") == 3);
	CHECK(cnt("(a b)+", "a b a b x a b") == 2);
	CHECK(cnt("a{2}", "a a a a a") == 2);
	CHECK(cnt("a b | b c", "a b c") == 1);
	CHECK(cnt("b c | a b c d", "a b c") == 1);
	CHECK(cnt("a b c d | b", "a b c x b") == 2);
}

/*
 * pm_match (lazy DFA, kept across calls) against pm_count (NFA with
 * backward liveness, a separate code path): match iff count > 0, over many
 * random paths per pattern.  "a _{12} b" needs 2^13 DFA states, so the DFA
 * is flushed and rebuilt many times along the way.
 */
static void
test_dfa_consistency(void)
{
	static const char *pats[] = {
		"a _{12} b", "(^a|b) c$", "^a _* b", "[^a b]{3}", "(a|a b)* c", "", "^$", "a$",
		"(a _ b | c{2,4}) [^c]", "_ _ a", "^(a|b)* c (a b)+$", NULL
	};
	uint32_t	seed = 12345;
	int			k,
				r,
				i,
				bad = 0,
				total = 0;

	for (k = 0; pats[k]; k++)
	{
		PmPattern  *p = comp(pats[k]);
		int32_t		syms[40];
		int			nsyms;

		if (!p)
		{
			CHECK(0);
			continue;
		}
		nsyms = pm_nnames(p) + 2;
		for (r = 0; r < 3000; r++)
		{
			int			n;
			int			m;
			int64_t		c;

			seed = seed * 1103515245u + 12345u;
			n = (int) ((seed >> 16) % 40);
			for (i = 0; i < n; i++)
			{
				seed = seed * 1103515245u + 12345u;
				syms[i] = (int32_t) ((seed >> 16) % (uint32_t) nsyms);
			}
			m = pm_match(p, syms, n);
			c = pm_count(p, syms, n, &unit_allocator);
			total++;
			if (m != (c > 0))
			{
				if (bad++ < 5)
					fprintf(stderr, "  '%s' n=%d: match %d, count %ld\n", pats[k], n, m, (long) c);
			}
		}
		pm_free(p, &unit_allocator);
	}
	CHECK(bad == 0);
	CHECK(total == 33000);
}

static double
seconds_since(clock_t t0)
{
	return (double) (clock() - t0) / CLOCKS_PER_SEC;
}

/* (a|a a)* b against 200,000 a's and other would-be-exponential cases */
static void
test_linear(void)
{
	int			n = 200000;
	int32_t    *syms = malloc(sizeof(int32_t) * (n + 1));
	PmPattern  *p = comp("(a|a a)* b");
	PmPattern  *q = comp("a | a _* b");
	clock_t		t0 = clock();
	int			k;
	double		secs;

	CHECK(p != NULL && q != NULL);
	if (!p || !q || !syms)
		return;
	for (k = 0; k < n; k++)
		syms[k] = pm_symbol(p, "a", 1);
	CHECK(!pm_match(p, syms, n));
	CHECK(pm_count(p, syms, n, &unit_allocator) == 0);
	syms[n] = pm_symbol(p, "b", 1);
	CHECK(pm_match(p, syms, n + 1));
	CHECK(pm_count(p, syms, n + 1, &unit_allocator) == 1);
	/* longest match from the leftmost start needs the whole path */
	for (k = 0; k < n; k++)
		syms[k] = pm_symbol(q, "a", 1);
	CHECK(pm_count(q, syms, n, &unit_allocator) == n);
	syms[n] = pm_symbol(q, "b", 1);
	CHECK(pm_count(q, syms, n + 1, &unit_allocator) == 1);
	secs = seconds_since(t0);
	printf("# linear cases, 200000 elements: %.3f s\n", secs);
	CHECK(secs < 5.0);
	pm_free(p, &unit_allocator);
	pm_free(q, &unit_allocator);
	free(syms);
}

int
main(void)
{
	RUN(test_parse_valid);
	RUN(test_parse_errors);
	RUN(test_match);
	RUN(test_count);
	RUN(test_dfa_consistency);
	RUN(test_linear);
	return UNIT_DONE();
}
