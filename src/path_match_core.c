/*
 * path_match_core.c
 *	  Parser, Thompson NFA and linear-time matcher of path patterns.
 *
 * Grammar (whitespace allowed between any two tokens):
 *
 *	 alt    := cat ( '|' cat )*
 *	 cat    := item*
 *	 item   := atom quant?
 *	 atom   := name | quoted | '_' | '(' alt ')' | '[' '^'? member+ ']' | '^' | '$'
 *	 quant  := '*' | '+' | '?' | '{' m '}' | '{' m ',' '}' | '{' m ',' n '}'
 *
 * A name is a run of letters, digits, '_', '-', '.' and non-ASCII bytes; the
 * name "_" alone is the wildcard.  A quoted name is any text between double
 * quotes, "" standing for one quote.  Members of [ ] are names or quoted names.
 *
 * The parser builds an AST (array of nodes linked first-child/next-sibling);
 * the compiler sizes it (so {m,n} expansions are checked against
 * PM_MAX_STATES before anything is built) and emits a Thompson NFA whose
 * fragments have one entry and one exit state.
 */
#include <stdlib.h>
#include <string.h>

#include "path_match_core.h"

/* ---- NFA ----------------------------------------------------------------- */

enum
{
	K_SYM,						/* consumes the element with token id arg */
	K_ANY,						/* consumes any element, NULL included */
	K_SET,						/* consumes an element whose id is in set arg */
	K_EPS,
	K_SPLIT,
	K_BOL,						/* passes only at position 0 */
	K_EOL,						/* passes only at position n */
	K_MATCH
};

typedef struct PmState
{
	uint8_t		kind;
	int32_t		arg;
	int32_t		out;
	int32_t		out1;			/* second branch of K_SPLIT */
} PmState;

struct PmPattern
{
	/* interned names */
	int			nnames;
	char	   *namebuf;
	int32_t    *name_off;
	int32_t    *name_len;
	int32_t    *hash;			/* open addressing, -1 empty */
	uint32_t	hashmask;
	/* [ ] sets as bitsets over the nnames + 2 token ids */
	int			nsets;
	int			setwords;
	uint64_t   *setbits;
	/* the automaton */
	PmState    *st;
	int			nstates;
	int			start;
	int			match;
	int32_t    *consuming;		/* the K_SYM/K_ANY/K_SET states */
	int			nconsuming;
	int32_t    *rev_off;		/* epsilon edges reversed (CSR) */
	int32_t    *rev;
	/* scratch of the simulations */
	int32_t    *cur;
	int32_t    *nxt;
	uint32_t   *mark;
	uint32_t	gen;
	int32_t    *stack;
	void		(*hook) (void);
	/*
	 * Lazily built DFA of the unanchored search of pm_match, kept across
	 * calls: a DFA state is a sorted set of consuming NFA states plus whether
	 * the closure reached K_MATCH.  When full it is flushed and rebuilt.
	 */
	CxmAlloc	alloc;
	int			nsyms;
	int			dfa_ready;
	int			start_dead;		/* no new attempt can start past position 0 */
	int			dfa_n;
	int			dfa_cap;
	int			dfa_max;		/* dfa_cap grows up to this */
	int			dfa_mem_max;
	uint32_t	dfa_flushes;
	int32_t    *dfa_off;
	int32_t    *dfa_len;
	uint8_t    *dfa_matched;
	int32_t    *dfa_trans;		/* dfa_cap x nsyms, -1 = not built yet */
	int32_t    *dfa_mem;
	int			dfa_mem_n;
	int			dfa_mem_cap;
	int32_t    *dfa_hash;
	uint32_t	dfa_mask;
};

/* ---- AST ----------------------------------------------------------------- */

enum
{
	N_SYM, N_ANY, N_SET, N_BOL, N_EOL, N_CAT, N_ALT, N_REP
};

typedef struct PmNode
{
	uint8_t		kind;
	int32_t		arg;			/* token id or set index */
	int32_t		first;			/* first child (CAT, ALT, REP) */
	int32_t		next;			/* next sibling */
	int32_t		min;			/* REP bounds, max -1 = unbounded */
	int32_t		max;
	int32_t		pos;			/* byte offset, for error messages */
	int64_t		size;			/* NFA states it expands to */
} PmNode;

typedef struct Parser
{
	const char *s;
	size_t		len;
	size_t		i;
	const CxmAlloc *a;
	PmError    *err;
	int			failed;
	int			depth;
	PmNode	   *nodes;
	int			nnodes;
	/* names */
	char	   *namebuf;
	int			namebuf_len;
	int32_t    *name_off;
	int32_t    *name_len;
	int			nnames;
	int32_t    *hash;
	uint32_t	hashmask;
	/* sets: member ids in setmem */
	int32_t    *setmem;
	int			nsetmem;
	int32_t    *set_start;
	int32_t    *set_count;
	uint8_t    *set_neg;
	int			nsets;
	/* scratch for the name being read */
	char	   *tok;
	/* compiler */
	PmState    *st;
	int			nstates;
	int			toobig_pos;
} Parser;

static void
set_error(Parser *p, size_t offset, const char *msg, const char *arg)
{
	size_t		k;
	int			pos = 1;
	size_t		mlen = strlen(msg);

	if (p->failed)
		return;
	p->failed = 1;
	if (offset > p->len)
		offset = p->len;
	for (k = 0; k < offset; k++)
		if (((unsigned char) p->s[k] & 0xC0) != 0x80)
			pos++;
	p->err->offset = (int) offset;
	p->err->position = pos;
	/* msg may hold one %s, replaced by arg */
	{
		const char *pct = strstr(msg, "%s");
		char	   *out = p->err->message;
		size_t		room = PM_ERRMSG_LEN - 1;
		size_t		n;

		n = pct && arg ? (size_t) (pct - msg) : mlen;
		if (n > room)
			n = room;
		memcpy(out, msg, n);
		out += n;
		room -= n;
		if (pct && arg)
		{
			n = strlen(arg);
			if (n > room)
				n = room;
			memcpy(out, arg, n);
			out += n;
			room -= n;
			n = strlen(pct + 2);
			if (n > room)
				n = room;
			memcpy(out, pct + 2, n);
			out += n;
		}
		*out = '\0';
	}
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-' || c == '.' || c >= 0x80;
}

static int
is_quant_char(unsigned char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

static void
skip_ws(Parser *p)
{
	while (p->i < p->len && is_space((unsigned char) p->s[p->i]))
		p->i++;
}

static int32_t
lookup_name(const int32_t *hash, uint32_t mask, const char *namebuf,
			const int32_t *off, const int32_t *len, const char *name, size_t nlen,
			uint32_t *slot)
{
	uint32_t	h = cxm_hash_bytes(name, nlen) & mask;

	for (;;)
	{
		int32_t		id = hash[h];

		if (id < 0)
		{
			*slot = h;
			return -1;
		}
		if ((size_t) len[id] == nlen && memcmp(namebuf + off[id], name, nlen) == 0)
			return id;
		h = (h + 1) & mask;
	}
}

static int32_t
intern(Parser *p, const char *name, size_t nlen)
{
	uint32_t	slot;
	int32_t		id = lookup_name(p->hash, p->hashmask, p->namebuf, p->name_off,
								 p->name_len, name, nlen, &slot);

	if (id >= 0)
		return id;
	id = p->nnames++;
	memcpy(p->namebuf + p->namebuf_len, name, nlen);
	p->name_off[id] = p->namebuf_len;
	p->name_len[id] = (int32_t) nlen;
	p->namebuf_len += (int) nlen;
	p->hash[slot] = id;
	return id;
}

static int
new_node(Parser *p, int kind, size_t pos)
{
	PmNode	   *n = &p->nodes[p->nnodes];

	n->kind = (uint8_t) kind;
	n->first = -1;
	n->next = -1;
	n->pos = (int32_t) pos;
	return p->nnodes++;
}

static void
add_child(Parser *p, int parent, int *last, int child)
{
	if (*last < 0)
		p->nodes[parent].first = child;
	else
		p->nodes[*last].next = child;
	*last = child;
}

/*
 * Read a name or quoted name at p->i into p->tok; returns its length, or -1
 * on error.  *quoted tells which it was.
 */
static int
read_name(Parser *p, int *quoted)
{
	size_t		start = p->i;
	int			n = 0;

	if (p->s[p->i] == '"')
	{
		*quoted = 1;
		p->i++;
		for (;;)
		{
			if (p->i >= p->len)
			{
				set_error(p, start, "unterminated quoted name", NULL);
				return -1;
			}
			if (p->s[p->i] == '"')
			{
				if (p->i + 1 < p->len && p->s[p->i + 1] == '"')
				{
					p->tok[n++] = '"';
					p->i += 2;
					continue;
				}
				p->i++;
				return n;
			}
			p->tok[n++] = p->s[p->i++];
		}
	}
	*quoted = 0;
	while (p->i < p->len && is_name_char((unsigned char) p->s[p->i]))
		p->tok[n++] = p->s[p->i++];
	return n;
}

static void
unexpected(Parser *p, const char *where)
{
	unsigned char c = (unsigned char) p->s[p->i];
	char		buf[96];

	if (c > 32 && c < 127)
	{
		buf[0] = '"';
		buf[1] = (char) c;
		buf[2] = '"';
		buf[3] = '\0';
	}
	else
	{
		static const char hex[] = "0123456789ABCDEF";

		memcpy(buf, "byte 0x", 7);
		buf[7] = hex[c >> 4];
		buf[8] = hex[c & 15];
		buf[9] = '\0';
	}
	if (where)
	{
		size_t		l = strlen(buf);

		strncpy(buf + l, where, sizeof(buf) - l - 1);
		buf[sizeof(buf) - 1] = '\0';
	}
	set_error(p, p->i, "unexpected character %s", buf);
}

static int	parse_alt(Parser *p);

static int
parse_set(Parser *p)
{
	size_t		open = p->i;
	int			set = p->nsets;
	int			node;

	p->i++;
	skip_ws(p);
	p->set_start[set] = p->nsetmem;
	p->set_count[set] = 0;
	p->set_neg[set] = 0;
	if (p->i < p->len && p->s[p->i] == '^')
	{
		p->set_neg[set] = 1;
		p->i++;
	}
	for (;;)
	{
		unsigned char c;
		int			quoted;
		size_t		at;
		int			n;

		skip_ws(p);
		if (p->i >= p->len)
		{
			set_error(p, open, "unclosed \"[\"", NULL);
			return -1;
		}
		c = (unsigned char) p->s[p->i];
		if (c == ']')
			break;
		if (c != '"' && !is_name_char(c))
		{
			unexpected(p, " inside [ ] (only names may appear there)");
			return -1;
		}
		at = p->i;
		n = read_name(p, &quoted);
		if (n < 0)
			return -1;
		if (!quoted && n == 1 && p->tok[0] == '_')
		{
			set_error(p, at, "the wildcard _ cannot appear inside [ ] (write \"_\" for a touchpoint named _)", NULL);
			return -1;
		}
		p->setmem[p->nsetmem++] = intern(p, p->tok, (size_t) n);
		p->set_count[set]++;
	}
	if (p->set_count[set] == 0)
	{
		set_error(p, p->i, "empty [ ]", NULL);
		return -1;
	}
	p->i++;						/* ']' */
	p->nsets++;
	node = new_node(p, N_SET, open);
	p->nodes[node].arg = set;
	return node;
}

/* parse an unsigned count at p->i (after whitespace), or -1 */
static int
parse_count(Parser *p)
{
	size_t		at;
	long		v = 0;

	skip_ws(p);
	at = p->i;
	if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
	{
		if (p->i >= p->len)
			set_error(p, p->i, "a repetition count is missing in { } at the end of the pattern", NULL);
		else
			unexpected(p, " in { } (expected a number)");
		return -1;
	}
	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
	{
		v = v * 10 + (p->s[p->i] - '0');
		if (v > PM_MAX_REPEAT)
		{
			set_error(p, at, "repetition count exceeds the limit of 1000", NULL);
			return -1;
		}
		p->i++;
	}
	skip_ws(p);
	return (int) v;
}

/* parse the quantifier at p->i into min/max; 0 on error */
static int
parse_quant(Parser *p, int *min, int *max)
{
	char		c = p->s[p->i];
	size_t		open = p->i;

	p->i++;
	if (c == '*')
	{
		*min = 0;
		*max = -1;
		return 1;
	}
	if (c == '+')
	{
		*min = 1;
		*max = -1;
		return 1;
	}
	if (c == '?')
	{
		*min = 0;
		*max = 1;
		return 1;
	}
	/* '{' */
	*min = parse_count(p);
	if (*min < 0)
		return 0;
	*max = *min;
	if (p->i < p->len && p->s[p->i] == ',')
	{
		p->i++;
		skip_ws(p);
		if (p->i < p->len && p->s[p->i] == '}')
			*max = -1;
		else
		{
			*max = parse_count(p);
			if (*max < 0)
				return 0;
		}
	}
	if (p->i >= p->len)
	{
		set_error(p, open, "unclosed \"{\"", NULL);
		return 0;
	}
	if (p->s[p->i] != '}')
	{
		unexpected(p, " in { } (expected \"}\")");
		return 0;
	}
	p->i++;
	if (*max >= 0 && *max < *min)
	{
		set_error(p, open, "invalid repetition bounds: the minimum exceeds the maximum", NULL);
		return 0;
	}
	return 1;
}

/* one atom at p->i (not at end, '|' or ')') */
static int
parse_atom(Parser *p)
{
	unsigned char c = (unsigned char) p->s[p->i];
	size_t		at = p->i;
	int			node;

	if (c == '(')
	{
		if (++p->depth > PM_MAX_DEPTH)
		{
			set_error(p, at, "parentheses are nested too deeply (limit 200)", NULL);
			return -1;
		}
		p->i++;
		node = parse_alt(p);
		if (node < 0)
			return -1;
		if (p->i >= p->len)
		{
			set_error(p, at, "unclosed \"(\"", NULL);
			return -1;
		}
		p->i++;					/* ')' */
		p->depth--;
		return node;
	}
	if (c == '[')
		return parse_set(p);
	if (c == '^' || c == '$')
	{
		p->i++;
		return new_node(p, c == '^' ? N_BOL : N_EOL, at);
	}
	if (c == '"' || is_name_char(c))
	{
		int			quoted;
		int			n = read_name(p, &quoted);

		if (n < 0)
			return -1;
		if (!quoted && n == 1 && p->tok[0] == '_')
			return new_node(p, N_ANY, at);
		node = new_node(p, N_SYM, at);
		p->nodes[node].arg = intern(p, p->tok, (size_t) n);
		return node;
	}
	if (is_quant_char(c))
		set_error(p, at, "quantifier has nothing to repeat", NULL);
	else if (c == ']')
		set_error(p, at, "unmatched \"]\"", NULL);
	else if (c == '}')
		set_error(p, at, "unmatched \"}\"", NULL);
	else
		unexpected(p, NULL);
	return -1;
}

static int
parse_cat(Parser *p)
{
	int			cat;
	int			last = -1;

	skip_ws(p);
	cat = new_node(p, N_CAT, p->i);
	for (;;)
	{
		int			atom;
		size_t		qpos;

		skip_ws(p);
		if (p->i >= p->len || p->s[p->i] == '|' || p->s[p->i] == ')')
			break;
		atom = parse_atom(p);
		if (atom < 0)
			return -1;
		skip_ws(p);
		if (p->i < p->len && is_quant_char((unsigned char) p->s[p->i]))
		{
			int			min,
						max,
						rep;

			qpos = p->i;
			if (p->nodes[atom].kind == N_BOL || p->nodes[atom].kind == N_EOL)
			{
				set_error(p, qpos, "an anchor cannot be repeated", NULL);
				return -1;
			}
			if (!parse_quant(p, &min, &max))
				return -1;
			rep = new_node(p, N_REP, qpos);
			p->nodes[rep].first = atom;
			p->nodes[rep].min = min;
			p->nodes[rep].max = max;
			atom = rep;
			skip_ws(p);
			if (p->i < p->len && is_quant_char((unsigned char) p->s[p->i]))
			{
				set_error(p, p->i, "a quantifier cannot follow another quantifier (use parentheses)", NULL);
				return -1;
			}
		}
		add_child(p, cat, &last, atom);
	}
	return cat;
}

static int
parse_alt(Parser *p)
{
	int			alt = new_node(p, N_ALT, p->i);
	int			last = -1;
	int			cat;

	for (;;)
	{
		cat = parse_cat(p);
		if (cat < 0)
			return -1;
		add_child(p, alt, &last, cat);
		if (p->i < p->len && p->s[p->i] == '|')
		{
			p->i++;
			continue;
		}
		break;
	}
	return alt;
}

/* ---- compiler ------------------------------------------------------------ */

#define SIZE_CAP ((int64_t) PM_MAX_STATES * 4 + 16)

static int64_t
cap_size(int64_t v)
{
	return v > SIZE_CAP ? SIZE_CAP : v;
}

/* NFA states node expands to (saturating); records the innermost too-big node */
static int64_t
node_size(Parser *p, int n)
{
	PmNode	   *nd = &p->nodes[n];
	int64_t		s = 0;
	int			c,
				k = 0;

	switch (nd->kind)
	{
		case N_CAT:
			for (c = nd->first; c >= 0; c = p->nodes[c].next)
				s = cap_size(s + node_size(p, c));
			if (nd->first < 0)
				s = 1;
			break;
		case N_ALT:
			for (c = nd->first; c >= 0; c = p->nodes[c].next, k++)
				s = cap_size(s + node_size(p, c));
			if (k > 1)
				s = cap_size(s + k);	/* k-1 splits and the exit */
			break;
		case N_REP:
			{
				int64_t		cs = node_size(p, nd->first);

				s = cap_size((int64_t) nd->min * cs);
				if (nd->max < 0)
					s = cap_size(s + cs + 2);
				else
					s = cap_size(s + (int64_t) (nd->max - nd->min) * (cs + 2));
				if (s == 0)
					s = 1;
			}
			break;
		default:
			s = 1;
	}
	nd->size = s;
	if (s > PM_MAX_STATES - 1 && p->toobig_pos < 0)
		p->toobig_pos = nd->pos;
	return s;
}

typedef struct Frag
{
	int32_t		start;
	int32_t		end;			/* a state whose out is unset */
} Frag;

static int32_t
add_state(Parser *p, int kind, int32_t arg)
{
	PmState    *s = &p->st[p->nstates];

	s->kind = (uint8_t) kind;
	s->arg = arg;
	s->out = -1;
	s->out1 = -1;
	return p->nstates++;
}

static Frag
single(Parser *p, int kind, int32_t arg)
{
	Frag		f;

	f.start = f.end = add_state(p, kind, arg);
	return f;
}

static Frag emit(Parser *p, int n);

static Frag
concat(Parser *p, Frag a, Frag b)
{
	p->st[a.end].out = b.start;
	a.end = b.end;
	return a;
}

/*
 * body once or not at all (a split before it, an epsilon after), or, with
 * loop, any number of times: the body's end leads back to the split
 */
static Frag
emit_optional(Parser *p, int body, bool loop)
{
	int32_t		e = add_state(p, K_EPS, 0);
	int32_t		s = add_state(p, K_SPLIT, 0);
	Frag		g = emit(p, body);
	Frag		f;

	p->st[s].out = g.start;
	p->st[s].out1 = e;
	p->st[g.end].out = loop ? s : e;
	f.start = s;
	f.end = e;
	return f;
}

static Frag
emit_rep(Parser *p, PmNode *nd)
{
	Frag		f;
	int			have = 0;
	int			k;

	for (k = 0; k < nd->min; k++)
	{
		Frag		g = emit(p, nd->first);

		f = have ? concat(p, f, g) : g;
		have = 1;
	}
	if (nd->max < 0)
	{
		Frag		g = emit_optional(p, nd->first, true);

		f = have ? concat(p, f, g) : g;
		have = 1;
	}
	else
	{
		for (k = nd->min; k < nd->max; k++)
		{
			Frag		g = emit_optional(p, nd->first, false);

			f = have ? concat(p, f, g) : g;
			have = 1;
		}
	}
	if (!have)
		f = single(p, K_EPS, 0);
	return f;
}

static Frag
emit(Parser *p, int n)
{
	PmNode	   *nd = &p->nodes[n];
	Frag		f;
	int			c;

	switch (nd->kind)
	{
		case N_SYM:
			return single(p, K_SYM, nd->arg);
		case N_ANY:
			return single(p, K_ANY, 0);
		case N_SET:
			return single(p, K_SET, nd->arg);
		case N_BOL:
			return single(p, K_BOL, 0);
		case N_EOL:
			return single(p, K_EOL, 0);
		case N_CAT:
			if (nd->first < 0)
				return single(p, K_EPS, 0);
			f = emit(p, nd->first);
			for (c = p->nodes[nd->first].next; c >= 0; c = p->nodes[c].next)
				f = concat(p, f, emit(p, c));
			return f;
		case N_ALT:
			if (p->nodes[nd->first].next < 0)
				return emit(p, nd->first);
			{
				int32_t		e = add_state(p, K_EPS, 0);
				int32_t		prev_split = -1;

				f.start = -1;
				f.end = e;
				for (c = nd->first; c >= 0; c = p->nodes[c].next)
				{
					Frag		g = emit(p, c);
					int32_t		entry = g.start;

					p->st[g.end].out = e;
					if (p->nodes[c].next >= 0)
					{
						int32_t		s = add_state(p, K_SPLIT, 0);

						p->st[s].out = g.start;
						entry = s;
					}
					if (prev_split < 0)
						f.start = entry;
					else
						p->st[prev_split].out1 = entry;
					prev_split = p->nodes[c].next >= 0 ? entry : -1;
				}
				return f;
			}
		case N_REP:
			return emit_rep(p, nd);
	}
	return single(p, K_EPS, 0);	/* not reached */
}

static void *
zalloc(const CxmAlloc *a, size_t n, size_t size)
{
	return cxm_alloc(a, (n ? n : 1) * size);
}

static void
free_parser(Parser *p)
{
	const CxmAlloc *a = p->a;

	cxm_free(a, p->nodes);
	cxm_free(a, p->setmem);
	cxm_free(a, p->set_start);
	cxm_free(a, p->set_count);
	cxm_free(a, p->set_neg);
	cxm_free(a, p->tok);
}

CxmStatus
pm_compile(const char *pattern, size_t len, const CxmAlloc *a, PmPattern **out,
		   PmError *err)
{
	Parser		p;
	PmPattern  *pm;
	int			root;
	int64_t		size;
	uint32_t	hsize = 16;
	int			k,
				s;
	int32_t    *deg;

	memset(&p, 0, sizeof(p));
	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (len > (size_t) 1 << 28)
	{
		p.s = pattern;
		p.len = len;
		p.err = err;
		set_error(&p, 0, "pattern is too long", NULL);
		return CXM_ESYNTAX;
	}
	p.s = pattern;
	p.len = len;
	p.a = a;
	p.err = err;
	p.toobig_pos = -1;
	/* at most two nodes per character: see parse_alt, parse_cat and parse_atom */
	p.nodes = zalloc(a, 2 * len + 8, sizeof(PmNode));
	while (hsize < 2 * len + 2)
		hsize <<= 1;
	pm = zalloc(a, 1, sizeof(PmPattern));
	pm->namebuf = zalloc(a, len + 1, 1);
	pm->name_off = zalloc(a, len + 1, sizeof(int32_t));
	pm->name_len = zalloc(a, len + 1, sizeof(int32_t));
	pm->hash = zalloc(a, hsize, sizeof(int32_t));
	memset(pm->hash, 0xFF, hsize * sizeof(int32_t));
	pm->hashmask = hsize - 1;
	p.namebuf = pm->namebuf;
	p.name_off = pm->name_off;
	p.name_len = pm->name_len;
	p.hash = pm->hash;
	p.hashmask = pm->hashmask;
	p.setmem = zalloc(a, len + 1, sizeof(int32_t));
	p.set_start = zalloc(a, len + 1, sizeof(int32_t));
	p.set_count = zalloc(a, len + 1, sizeof(int32_t));
	p.set_neg = zalloc(a, len + 1, 1);
	p.tok = zalloc(a, len + 1, 1);

	root = parse_alt(&p);
	if (root >= 0 && p.i < p.len)
	{
		/* parse_alt stops early only at an unmatched ')' */
		set_error(&p, p.i, "unmatched \")\"", NULL);
		root = -1;
	}
	if (root >= 0)
	{
		size = node_size(&p, root) + 1;
		if (size > PM_MAX_STATES)
		{
			set_error(&p, (size_t) (p.toobig_pos >= 0 ? p.toobig_pos : 0),
					  "pattern is too complex: its automaton would exceed 100000 states", NULL);
			root = -1;
		}
	}
	if (root < 0)
	{
		free_parser(&p);
		pm_free(pm, a);
		return CXM_ESYNTAX;
	}

	/* names and sets */
	pm->nnames = p.nnames;
	pm->nsets = p.nsets;
	pm->setwords = (p.nnames + 2 + 63) / 64;
	pm->setbits = zalloc(a, (size_t) p.nsets * pm->setwords, sizeof(uint64_t));
	for (k = 0; k < p.nsets; k++)
	{
		uint64_t   *b = pm->setbits + (size_t) k * pm->setwords;
		int			j;

		if (p.set_neg[k])
			for (j = 0; j <= p.nnames; j++)		/* every name and "other" */
				b[j >> 6] |= (uint64_t) 1 << (j & 63);
		for (j = 0; j < p.set_count[k]; j++)
		{
			int32_t		id = p.setmem[p.set_start[k] + j];

			if (p.set_neg[k])
				b[id >> 6] &= ~((uint64_t) 1 << (id & 63));
			else
				b[id >> 6] |= (uint64_t) 1 << (id & 63);
		}
	}

	/* the automaton */
	p.st = zalloc(a, (size_t) size, sizeof(PmState));
	{
		Frag		f = emit(&p, root);

		pm->match = add_state(&p, K_MATCH, 0);
		p.st[f.end].out = pm->match;
		pm->start = f.start;
	}
	pm->st = p.st;
	pm->nstates = p.nstates;
	free_parser(&p);

	/* consuming states and reversed epsilon edges */
	pm->consuming = zalloc(a, pm->nstates, sizeof(int32_t));
	deg = zalloc(a, pm->nstates + 1, sizeof(int32_t));
	for (s = 0; s < pm->nstates; s++)
	{
		PmState    *q = &pm->st[s];

		if (q->kind == K_SYM || q->kind == K_ANY || q->kind == K_SET)
			pm->consuming[pm->nconsuming++] = s;
		else if (q->kind != K_MATCH)
		{
			deg[q->out]++;
			if (q->kind == K_SPLIT)
				deg[q->out1]++;
		}
	}
	pm->rev_off = zalloc(a, pm->nstates + 1, sizeof(int32_t));
	for (s = 0; s < pm->nstates; s++)
		pm->rev_off[s + 1] = pm->rev_off[s] + deg[s];
	pm->rev = zalloc(a, pm->rev_off[pm->nstates], sizeof(int32_t));
	memset(deg, 0, (pm->nstates + 1) * sizeof(int32_t));
	for (s = 0; s < pm->nstates; s++)
	{
		PmState    *q = &pm->st[s];

		if (q->kind == K_SYM || q->kind == K_ANY || q->kind == K_SET || q->kind == K_MATCH)
			continue;
		pm->rev[pm->rev_off[q->out] + deg[q->out]++] = s;
		if (q->kind == K_SPLIT)
			pm->rev[pm->rev_off[q->out1] + deg[q->out1]++] = s;
	}
	cxm_free(a, deg);

	pm->cur = zalloc(a, pm->nstates, sizeof(int32_t));
	pm->nxt = zalloc(a, pm->nstates, sizeof(int32_t));
	pm->mark = zalloc(a, pm->nstates, sizeof(uint32_t));
	pm->stack = zalloc(a, 2 * (size_t) pm->nstates + 2, sizeof(int32_t));
	pm->gen = 0;
	pm->alloc = *a;
	pm->nsyms = pm->nnames + 2;
	*out = pm;
	return CXM_OK;
}

void
pm_free(PmPattern *p, const CxmAlloc *a)
{
	if (p == NULL)
		return;
	cxm_free(a, p->namebuf);
	cxm_free(a, p->name_off);
	cxm_free(a, p->name_len);
	cxm_free(a, p->hash);
	cxm_free(a, p->setbits);
	cxm_free(a, p->st);
	cxm_free(a, p->consuming);
	cxm_free(a, p->rev_off);
	cxm_free(a, p->rev);
	cxm_free(a, p->cur);
	cxm_free(a, p->nxt);
	cxm_free(a, p->mark);
	cxm_free(a, p->stack);
	cxm_free(a, p->dfa_off);
	cxm_free(a, p->dfa_len);
	cxm_free(a, p->dfa_matched);
	cxm_free(a, p->dfa_trans);
	cxm_free(a, p->dfa_mem);
	cxm_free(a, p->dfa_hash);
	cxm_free(a, p);
}

int32_t
pm_symbol(const PmPattern *p, const char *name, size_t len)
{
	uint32_t	slot;
	int32_t		id = lookup_name(p->hash, p->hashmask, p->namebuf, p->name_off,
								 p->name_len, name, len, &slot);

	return id >= 0 ? id : p->nnames;
}

int32_t
pm_other_symbol(const PmPattern *p)
{
	return p->nnames;
}

int32_t
pm_null_symbol(const PmPattern *p)
{
	return p->nnames + 1;
}

int
pm_nnames(const PmPattern *p)
{
	return p->nnames;
}

int
pm_nstates(const PmPattern *p)
{
	return p->nstates;
}

void
pm_set_interrupt_hook(PmPattern *p, void (*hook) (void))
{
	p->hook = hook;
}

/* ---- matching ------------------------------------------------------------ */

#define HOOK_EVERY 4096

static inline int
bit_test(const uint64_t *b, int32_t i)
{
	return (int) ((b[i >> 6] >> (i & 63)) & 1);
}

static inline int
accepts(const PmPattern *p, const PmState *q, int32_t sym)
{
	if (q->kind == K_SYM)
		return q->arg == sym;
	if (q->kind == K_ANY)
		return 1;
	if ((uint32_t) sym >= (uint32_t) p->nsyms)
		sym = p->nnames;		/* not a token id: treated as "other" */
	return bit_test(p->setbits + (size_t) q->arg * p->setwords, sym);
}

static void
next_gen(PmPattern *p)
{
	if (++p->gen == 0)
	{
		memset(p->mark, 0, p->nstates * sizeof(uint32_t));
		p->gen = 1;
	}
}

/*
 * Add the epsilon closure of state q (at a position that is the start and/or
 * the end of the path) to list/nlist: consuming states go in the list, a
 * reached K_MATCH sets *matched.  States already marked with the current
 * generation are skipped.  If live is not NULL, states outside that set are
 * pruned (they cannot lead to a match from here).
 */
static void
closure(PmPattern *p, int32_t q, int at_start, int at_end, int32_t *list,
		int *nlist, int *matched, const uint64_t *live)
{
	int			sp = 0;
	int32_t    *stack = p->stack;

	stack[sp++] = q;
	while (sp > 0)
	{
		int32_t		r = stack[--sp];
		const PmState *s = &p->st[r];

		if (p->mark[r] == p->gen)
			continue;
		p->mark[r] = p->gen;
		if (live && !bit_test(live, r))
			continue;
		switch (s->kind)
		{
			case K_EPS:
				stack[sp++] = s->out;
				break;
			case K_SPLIT:
				stack[sp++] = s->out1;
				stack[sp++] = s->out;
				break;
			case K_BOL:
				if (at_start)
					stack[sp++] = s->out;
				break;
			case K_EOL:
				if (at_end)
					stack[sp++] = s->out;
				break;
			case K_MATCH:
				*matched = 1;
				break;
			default:
				list[(*nlist)++] = r;
		}
	}
}

/* the NFA simulation of pm_match, for the empty path */
static bool
match_empty(PmPattern *p)
{
	int			n = 0;
	int			matched = 0;

	next_gen(p);
	closure(p, p->start, 1, 1, p->cur, &n, &matched, NULL);
	return matched != 0;
}

static int
cmp_int32(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a;
	int32_t		y = *(const int32_t *) b;

	return x < y ? -1 : x > y;
}

#define DFA_MAX_STATES	1024
#define DFA_TRANS_BYTES	((size_t) 4 << 20)
#define DFA_MIN_MEM		(1 << 16)

static uint32_t
dfa_hash_set(const int32_t *list, int len, int matched)
{
	uint32_t	h = 2166136261u ^ (uint32_t) matched;
	int			k;

	for (k = 0; k < len; k++)
	{
		h ^= (uint32_t) list[k];
		h *= 16777619u;
	}
	return h;
}

static void
dfa_reset(PmPattern *p)
{
	p->dfa_n = 0;
	p->dfa_mem_n = 0;
	p->dfa_flushes++;
	memset(p->dfa_hash, 0xFF, (p->dfa_mask + 1) * sizeof(int32_t));
}

static void
dfa_alloc_states(PmPattern *p, int cap)
{
	const CxmAlloc *a = &p->alloc;
	uint32_t	hsize = 16;
	int32_t    *off = zalloc(a, cap, sizeof(int32_t));
	int32_t    *len = zalloc(a, cap, sizeof(int32_t));
	uint8_t    *matched = zalloc(a, cap, 1);
	int32_t    *trans = zalloc(a, (size_t) cap * p->nsyms, sizeof(int32_t));
	int			k;

	while (hsize < 2 * (uint32_t) cap)
		hsize <<= 1;
	if (p->dfa_n > 0)
	{
		memcpy(off, p->dfa_off, p->dfa_n * sizeof(int32_t));
		memcpy(len, p->dfa_len, p->dfa_n * sizeof(int32_t));
		memcpy(matched, p->dfa_matched, p->dfa_n);
		memcpy(trans, p->dfa_trans, (size_t) p->dfa_n * p->nsyms * sizeof(int32_t));
	}
	cxm_free(a, p->dfa_off);
	cxm_free(a, p->dfa_len);
	cxm_free(a, p->dfa_matched);
	cxm_free(a, p->dfa_trans);
	cxm_free(a, p->dfa_hash);
	p->dfa_off = off;
	p->dfa_len = len;
	p->dfa_matched = matched;
	p->dfa_trans = trans;
	p->dfa_cap = cap;
	p->dfa_hash = zalloc(a, hsize, sizeof(int32_t));
	p->dfa_mask = hsize - 1;
	memset(p->dfa_hash, 0xFF, hsize * sizeof(int32_t));
	for (k = 0; k < p->dfa_n; k++)
	{
		uint32_t	h = dfa_hash_set(p->dfa_mem + p->dfa_off[k], p->dfa_len[k],
									 p->dfa_matched[k]) & p->dfa_mask;

		while (p->dfa_hash[h] >= 0)
			h = (h + 1) & p->dfa_mask;
		p->dfa_hash[h] = k;
	}
}

static void
dfa_alloc_mem(PmPattern *p, int cap)
{
	int32_t    *mem = zalloc(&p->alloc, cap, sizeof(int32_t));

	if (p->dfa_mem_n > 0)
		memcpy(mem, p->dfa_mem, p->dfa_mem_n * sizeof(int32_t));
	cxm_free(&p->alloc, p->dfa_mem);
	p->dfa_mem = mem;
	p->dfa_mem_cap = cap;
}

/*
 * The DFA starts small (a pattern compiled for a single row costs little)
 * and doubles up to DFA_MAX_STATES states (fewer when there are many token
 * ids, keeping the transition table within DFA_TRANS_BYTES).
 */
static void
dfa_init(PmPattern *p)
{
	size_t		max = DFA_MAX_STATES;
	int			nl = 0;
	int			matched = 0;

	if (max * (size_t) p->nsyms * sizeof(int32_t) > DFA_TRANS_BYTES)
		max = DFA_TRANS_BYTES / ((size_t) p->nsyms * sizeof(int32_t));
	if (max < 16)
		max = 16;
	p->dfa_max = (int) max;
	p->dfa_mem_max = p->nconsuming * 4 > DFA_MIN_MEM ? p->nconsuming * 4 : DFA_MIN_MEM;
	dfa_alloc_states(p, 16);
	dfa_alloc_mem(p, p->nconsuming * 2 > 256 ? p->nconsuming * 2 : 256);
	dfa_reset(p);
	/* can an attempt starting after position 0 (and before the end) go anywhere? */
	next_gen(p);
	closure(p, p->start, 0, 0, p->cur, &nl, &matched, NULL);
	p->start_dead = nl == 0 && !matched;
	p->dfa_ready = 1;
}

/* DFA state of list[0..len) + matched, or -1 when the DFA is full */
static int32_t
dfa_intern(PmPattern *p, const int32_t *list, int len, int matched)
{
	uint32_t	h = dfa_hash_set(list, len, matched) & p->dfa_mask;
	int32_t		id;
	int			k;

	while ((id = p->dfa_hash[h]) >= 0)
	{
		if (p->dfa_len[id] == len && p->dfa_matched[id] == matched &&
			memcmp(p->dfa_mem + p->dfa_off[id], list, (size_t) len * sizeof(int32_t)) == 0)
			return id;
		h = (h + 1) & p->dfa_mask;
	}
	if (p->dfa_n == p->dfa_cap)
	{
		if (p->dfa_cap >= p->dfa_max)
			return -1;
		dfa_alloc_states(p, p->dfa_cap * 2 < p->dfa_max ? p->dfa_cap * 2 : p->dfa_max);
		return dfa_intern(p, list, len, matched);
	}
	if (p->dfa_mem_n + len > p->dfa_mem_cap)
	{
		if (p->dfa_mem_cap >= p->dfa_mem_max)
			return -1;
		dfa_alloc_mem(p, p->dfa_mem_cap * 2 < p->dfa_mem_max ? p->dfa_mem_cap * 2 : p->dfa_mem_max);
		return dfa_intern(p, list, len, matched);
	}
	id = p->dfa_n++;
	p->dfa_off[id] = p->dfa_mem_n;
	p->dfa_len[id] = len;
	p->dfa_matched[id] = (uint8_t) matched;
	memcpy(p->dfa_mem + p->dfa_mem_n, list, (size_t) len * sizeof(int32_t));
	p->dfa_mem_n += len;
	for (k = 0; k < p->nsyms; k++)
		p->dfa_trans[(size_t) id * p->nsyms + k] = -1;
	p->dfa_hash[h] = id;
	return id;
}

/* intern a freshly computed state, flushing the DFA when it is full */
static int32_t
dfa_add(PmPattern *p, int32_t *list, int len, int matched)
{
	int32_t		id;

	qsort(list, (size_t) len, sizeof(int32_t), cmp_int32);
	id = dfa_intern(p, list, len, matched);
	if (id < 0)
	{
		dfa_reset(p);
		id = dfa_intern(p, list, len, matched);
	}
	return id;
}

/*
 * Consume sym from DFA state d at an interior position (neither the start
 * nor the end of the path), a new attempt starting there too.  Builds the
 * transition on first use.
 */
static int32_t
dfa_step(PmPattern *p, int32_t d, int32_t sym)
{
	int32_t		to = p->dfa_trans[(size_t) d * p->nsyms + sym];
	int32_t    *list = p->nxt;
	int			nl = 0;
	int			matched = 0;
	int			k;
	uint32_t	flushes;

	if (to >= 0)
		return to;
	next_gen(p);
	for (k = 0; k < p->dfa_len[d]; k++)
	{
		const PmState *q = &p->st[p->dfa_mem[p->dfa_off[d] + k]];

		if (accepts(p, q, sym))
			closure(p, q->out, 0, 0, list, &nl, &matched, NULL);
	}
	closure(p, p->start, 0, 0, list, &nl, &matched, NULL);
	flushes = p->dfa_flushes;
	to = dfa_add(p, list, nl, matched);
	if (p->dfa_flushes == flushes)	/* else d is gone */
		p->dfa_trans[(size_t) d * p->nsyms + sym] = to;
	return to;
}

bool
pm_match(PmPattern *p, const int32_t *syms, int n)
{
	int32_t    *list;
	int			nl = 0;
	int			matched = 0;
	int32_t		d;
	int			i,
				k;

	if (n == 0)
		return match_empty(p);
	if (!p->dfa_ready)
		dfa_init(p);

	/* position 0: the only place where ^ holds */
	list = p->nxt;
	next_gen(p);
	closure(p, p->start, 1, 0, list, &nl, &matched, NULL);
	if (matched)
		return true;
	d = dfa_add(p, list, nl, 0);

	/* positions 1 .. n-1 through the DFA */
	for (i = 0; i < n - 1; i++)
	{
		int32_t		sym = syms[i];

		if ((uint32_t) sym >= (uint32_t) p->nsyms)
			sym = p->nnames;
		d = dfa_step(p, d, sym);
		if (p->dfa_matched[d])
			return true;
		if (p->start_dead && p->dfa_len[d] == 0)
		{
			/* nothing alive and nothing can start: only $ at the end is left */
			nl = 0;
			next_gen(p);
			closure(p, p->start, 0, 1, p->cur, &nl, &matched, NULL);
			return matched != 0;
		}
		if (p->hook && (i & (HOOK_EVERY - 1)) == HOOK_EVERY - 1)
			p->hook();
	}

	/* position n: the only place where $ holds */
	nl = 0;
	next_gen(p);
	list = p->cur;
	for (k = 0; k < p->dfa_len[d]; k++)
	{
		const PmState *q = &p->st[p->dfa_mem[p->dfa_off[d] + k]];

		if (accepts(p, q, syms[n - 1]))
			closure(p, q->out, 0, 1, list, &nl, &matched, NULL);
	}
	closure(p, p->start, 0, 1, list, &nl, &matched, NULL);
	return matched != 0;
}

/* distinct "live state" sets, hash-consed */
typedef struct LivePool
{
	int			words;
	uint64_t   *sets;
	int			nsets;
	int			cap;
	int32_t    *table;
	uint32_t	mask;
	int			nsyms;
	int32_t    *trans;			/* (set, symbol) -> set at an interior position */
} LivePool;

static uint32_t
hash_words(const uint64_t *w, int n)
{
	uint64_t	h = 1469598103934665603ull;
	int			k;

	for (k = 0; k < n; k++)
	{
		h ^= w[k];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return (uint32_t) (h ^ (h >> 32));
}

static void
pool_rehash(LivePool *lp, const CxmAlloc *a)
{
	uint32_t	size = (lp->mask + 1) * 2;
	int32_t    *t = zalloc(a, size, sizeof(int32_t));
	int			k;

	memset(t, 0xFF, size * sizeof(int32_t));
	for (k = 0; k < lp->nsets; k++)
	{
		uint32_t	h = hash_words(lp->sets + (size_t) k * lp->words, lp->words) & (size - 1);

		while (t[h] >= 0)
			h = (h + 1) & (size - 1);
		t[h] = k;
	}
	cxm_free(a, lp->table);
	lp->table = t;
	lp->mask = size - 1;
}

static int32_t
pool_intern(LivePool *lp, const uint64_t *set, const CxmAlloc *a)
{
	size_t		bytes = (size_t) lp->words * sizeof(uint64_t);
	uint32_t	h = hash_words(set, lp->words) & lp->mask;

	while (lp->table[h] >= 0)
	{
		if (memcmp(lp->sets + (size_t) lp->table[h] * lp->words, set, bytes) == 0)
			return lp->table[h];
		h = (h + 1) & lp->mask;
	}
	if (lp->nsets == lp->cap)
	{
		uint64_t   *ns = zalloc(a, (size_t) lp->cap * 2 * lp->words, sizeof(uint64_t));

		int32_t    *nt = zalloc(a, (size_t) lp->cap * 2 * lp->nsyms, sizeof(int32_t));

		memcpy(ns, lp->sets, (size_t) lp->cap * bytes);
		memcpy(nt, lp->trans, (size_t) lp->cap * lp->nsyms * sizeof(int32_t));
		cxm_free(a, lp->sets);
		cxm_free(a, lp->trans);
		lp->sets = ns;
		lp->trans = nt;
		lp->cap *= 2;
	}
	memcpy(lp->sets + (size_t) lp->nsets * lp->words, set, bytes);
	memset(lp->trans + (size_t) lp->nsets * lp->nsyms, 0xFF, (size_t) lp->nsyms * sizeof(int32_t));
	lp->table[h] = lp->nsets;
	if ((uint32_t) (++lp->nsets) * 2 > lp->mask)
		pool_rehash(lp, a);
	return lp->nsets - 1;
}

/*
 * live = the states from which K_MATCH is reachable when at position i,
 * given next = that set at position i + 1 (unused when i == n).
 */
static void
live_step(PmPattern *p, const int32_t *syms, int i, int n, const uint64_t *next,
		  uint64_t *live, int words)
{
	int32_t    *work = p->stack;
	int			sp = 0;
	int			k;
	int			at_start = i == 0;
	int			at_end = i == n;

	memset(live, 0, (size_t) words * sizeof(uint64_t));
	live[p->match >> 6] |= (uint64_t) 1 << (p->match & 63);
	work[sp++] = p->match;
	if (i < n)
		for (k = 0; k < p->nconsuming; k++)
		{
			int32_t		q = p->consuming[k];
			const PmState *s = &p->st[q];

			if (accepts(p, s, syms[i]) && bit_test(next, s->out))
			{
				live[q >> 6] |= (uint64_t) 1 << (q & 63);
				work[sp++] = q;
			}
		}
	while (sp > 0)
	{
		int32_t		r = work[--sp];
		int32_t		e;

		for (e = p->rev_off[r]; e < p->rev_off[r + 1]; e++)
		{
			int32_t		q = p->rev[e];
			uint8_t		kind = p->st[q].kind;

			if (bit_test(live, q))
				continue;
			if ((kind == K_BOL && !at_start) || (kind == K_EOL && !at_end))
				continue;
			live[q >> 6] |= (uint64_t) 1 << (q & 63);
			work[sp++] = q;
		}
	}
}

int64_t
pm_count(PmPattern *p, const int32_t *syms, int n, const CxmAlloc *a)
{
	int			words = (p->nstates + 63) / 64;
	LivePool	lp;
	int32_t    *ids;
	uint64_t   *live;
	int			i;
	int64_t		count = 0;
	int			pos;

	/* backward: which states can still reach a match from each position */
	lp.words = words;
	lp.cap = 16;
	lp.nsets = 0;
	lp.nsyms = p->nsyms;
	lp.sets = zalloc(a, (size_t) lp.cap * words, sizeof(uint64_t));
	lp.trans = zalloc(a, (size_t) lp.cap * lp.nsyms, sizeof(int32_t));
	lp.mask = 63;
	lp.table = zalloc(a, lp.mask + 1, sizeof(int32_t));
	memset(lp.table, 0xFF, (lp.mask + 1) * sizeof(int32_t));
	ids = zalloc(a, (size_t) n + 1, sizeof(int32_t));
	live = zalloc(a, words, sizeof(uint64_t));
	for (i = n; i >= 0; i--)
	{
		int			interior = i > 0 && i < n;
		int32_t		sym = i < n ? syms[i] : 0;
		size_t		slot = 0;

		if ((uint32_t) sym >= (uint32_t) p->nsyms)
			sym = p->nnames;
		if (p->hook && (i & (HOOK_EVERY - 1)) == 0)
			p->hook();
		if (interior)
		{
			/* the set at i depends only on the set at i + 1 and the element */
			slot = (size_t) ids[i + 1] * lp.nsyms + sym;
			if (lp.trans[slot] >= 0)
			{
				ids[i] = lp.trans[slot];
				continue;
			}
		}
		live_step(p, syms, i, n, i < n ? lp.sets + (size_t) ids[i + 1] * words : NULL,
				  live, words);
		ids[i] = pool_intern(&lp, live, a);
		if (interior)
			lp.trans[slot] = ids[i];
	}

	/* forward: leftmost start that can match, then its longest match */
	pos = 0;
	while (pos <= n)
	{
		int			s = pos;
		int			end;
		int			ncur = 0;
		int			matched = 0;
		int32_t    *cur = p->cur;
		int32_t    *nxt = p->nxt;

		while (s <= n && !bit_test(lp.sets + (size_t) ids[s] * words, p->start))
			s++;
		if (s > n)
			break;
		next_gen(p);
		closure(p, p->start, s == 0, s == n, cur, &ncur, &matched,
				lp.sets + (size_t) ids[s] * words);
		end = s;				/* start is live at s, so a match exists */
		for (i = s; ncur > 0 && i < n; i++)
		{
			int			nnxt = 0;
			int			k;
			const uint64_t *lv = lp.sets + (size_t) ids[i + 1] * words;

			next_gen(p);
			matched = 0;
			for (k = 0; k < ncur; k++)
			{
				const PmState *q = &p->st[cur[k]];

				if (accepts(p, q, syms[i]))
					closure(p, q->out, 0, i + 1 == n, nxt, &nnxt, &matched, lv);
			}
			if (matched)
				end = i + 1;
			{
				int32_t    *t = cur;

				cur = nxt;
				nxt = t;
			}
			ncur = nnxt;
			if (p->hook && (i & (HOOK_EVERY - 1)) == HOOK_EVERY - 1)
				p->hook();
		}
		count++;
		pos = end > s ? end : s + 1;
	}
	cxm_free(a, lp.sets);
	cxm_free(a, lp.trans);
	cxm_free(a, lp.table);
	cxm_free(a, ids);
	cxm_free(a, live);
	return count;
}
