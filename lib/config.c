/* config.c — membership.yaml (SPEC §3) into struct config. Two passes: the
 * libyaml event stream is turned into a small tree (refusing aliases,
 * anchors, tags, a second document and nesting past CONFIG_MAX_DEPTH while
 * the events arrive, so hostile input stops early), then the tree is walked
 * against a table of known keys. Not for: choosing which file to read, or
 * applying the zone (dates_use_zone is main's business). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "dates.h"
#include "ids.h"
#include "money.h"

/* A config file is a page of text; refusing anything huge keeps a stray
 * multi-gigabyte file from being read into memory. */
#define CONFIG_MAX_BYTES   (16 * 1024 * 1024)
#define SHARE_MAX_DECIMALS 15  /* exact in a double: 10^15 < 2^53 */
#define SHOW_MAX           48  /* longest piece of the input quoted in a message */
#define PATH_MAX_TEXT      256 /* key path in a message */

enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ };

/* A map holds keys and values alternately in items. */
struct node {
	enum node_kind kind;
	yaml_mark_t mark;
	char *text; /* scalars: NUL added, may hold NULs from "\0" escapes */
	size_t len;
	int is_null; /* plain "", "~", "null", "Null", "NULL" */
	int quoted;  /* a quoted (or block) scalar: a string, never a number */
	struct node **items;
	size_t n, cap;
};

enum key_kind {
	KEY_SECTION,
	KEY_WORKSPACE,
	KEY_ZONE,
	KEY_CURRENCY,
	KEY_INT,
	KEY_SHARE,
	KEY_IDS,
	KEY_CHOICE,
	KEY_BOOL,
	KEY_PATH
};

struct key_spec {
	const char *name;
	enum key_kind kind;
	size_t offset; /* KEY_INT: where the value goes */
	int is64;      /* KEY_INT: int64_t (1) or int (0) */
	int64_t min, max;
	const char *const *choices; /* KEY_CHOICE: NULL-ended */
	void (*set_choice)(struct config *cfg, int index);
	const struct key_spec *keys; /* KEY_SECTION */
	size_t n_keys;
};

struct ctx {
	const char *name;
	const char *base_dir;
	struct config *cfg;
	struct error *err;
	const struct node *max_amount_node; /* for the check after all keys */
	const struct node *minor_digits_node;
};

static const char *const refund_after_names[] = {"prorated", "none", NULL};
static const char *const per_customer_names[] = {"changed", "all", "none", NULL};
static const char *const synchronous_names[] = {"full", "normal", NULL};

static void set_refund_after(struct config *cfg, int i)
{
	cfg->refund_after = i == 0 ? REFUND_PRORATED : REFUND_NONE;
}

static void set_per_customer(struct config *cfg, int i)
{
	cfg->per_customer = i == 0   ? PER_CUSTOMER_CHANGED
			    : i == 1 ? PER_CUSTOMER_ALL
				     : PER_CUSTOMER_NONE;
}

static void set_synchronous(struct config *cfg, int i)
{
	cfg->synchronous_full = i == 0;
}

#define INT_KEY(key, field, lo, hi)                                                                \
	{                                                                                          \
		.name = key, .kind = KEY_INT, .offset = offsetof(struct config, field),            \
		.is64 = sizeof(((struct config *)0)->field) == sizeof(int64_t), .min = lo,         \
		.max = hi                                                                          \
	}
#define BOOL_KEY(key, field)                                                                       \
	{                                                                                          \
		.name = key, .kind = KEY_BOOL, .offset = offsetof(struct config, field)            \
	}
#define PATH_KEY(key, field)                                                                       \
	{                                                                                          \
		.name = key, .kind = KEY_PATH, .offset = offsetof(struct config, field)            \
	}
#define CHOICE_KEY(key, names, setter)                                                             \
	{                                                                                          \
		.name = key, .kind = KEY_CHOICE, .choices = names, .set_choice = setter            \
	}
#define SECTION(key, table)                                                                        \
	{                                                                                          \
		.name = key, .kind = KEY_SECTION, .keys = table,                                   \
		.n_keys = sizeof table / sizeof table[0]                                           \
	}

static const struct key_spec currency_keys[] = {
	{.name = "code", .kind = KEY_CURRENCY},
	INT_KEY("minor_digits", minor_digits, 0, 3),
};

static const struct key_spec membership_keys[] = {
	INT_KEY("term_months", term_months, 1, 1200),
	INT_KEY("renewal_window_days", renewal_window_days, 0, 3660),
};

static const struct key_spec inbox_keys[] = {
	INT_KEY("min_age_seconds", min_age_seconds, 0, INT64_MAX),
	INT_KEY("max_file_bytes", max_file_bytes, 1, INT64_MAX),
	INT_KEY("max_field_bytes", max_field_bytes, 1, 16777216),
	{.name = "max_rejected_share", .kind = KEY_SHARE},
};

static const struct key_spec payments_keys[] = {
	INT_KEY("max_amount", max_amount, 0, INT64_MAX),
	INT_KEY("max_purchases_per_customer_per_day", max_per_customer_per_day, 0, INT64_MAX),
	{.name = "blocked_customers", .kind = KEY_IDS},
};

static const struct key_spec refunds_keys[] = {
	INT_KEY("full_refund_days", full_refund_days, 0, 3660),
	CHOICE_KEY("after", refund_after_names, set_refund_after),
};

static const struct key_spec reports_keys[] = {
	CHOICE_KEY("per_customer", per_customer_names, set_per_customer),
	BOOL_KEY("workbook", workbook),
	BOOL_KEY("csv_bom", csv_bom),
};

static const struct key_spec expire_keys[] = {
	INT_KEY("notice_days", notice_days, 0, 3660),
};

static const struct key_spec database_keys[] = {
	CHOICE_KEY("synchronous", synchronous_names, set_synchronous),
};

static const struct key_spec lock_keys[] = {
	INT_KEY("wait_seconds", lock_wait_seconds, 0, 86400),
};

static const struct key_spec retention_keys[] = {
	INT_KEY("archive_days", retention_archive_days, 0, 36600),
	INT_KEY("rejected_days", retention_rejected_days, 0, 36600),
	INT_KEY("reports_days", retention_reports_days, 0, 36600),
};

static const struct key_spec monitoring_keys[] = {
	PATH_KEY("textfile", monitoring_textfile),
	INT_KEY("max_inbox_age_minutes", max_inbox_age_minutes, 1, 5256000),
};

static const struct key_spec top_keys[] = {
	{.name = "workspace", .kind = KEY_WORKSPACE},
	{.name = "timezone", .kind = KEY_ZONE},
	SECTION("currency", currency_keys),
	SECTION("membership", membership_keys),
	SECTION("inbox", inbox_keys),
	SECTION("payments", payments_keys),
	SECTION("refunds", refunds_keys),
	SECTION("reports", reports_keys),
	SECTION("expire", expire_keys),
	SECTION("database", database_keys),
	SECTION("lock", lock_keys),
	SECTION("retention", retention_keys),
	SECTION("monitoring", monitoring_keys),
};

/* Copy at most SHOW_MAX bytes of s for a message, control bytes as '?',
 * so that a message stays one printable line. */
static void show(const char *s, size_t n, char *out, size_t outsz)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 3 < outsz; i++) {
		if (i == SHOW_MAX) {
			/* do not leave half a UTF-8 character before the dots */
			while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
				k--;
			if (k > 0 && (unsigned char)out[k - 1] >= 0xc0)
				k--;
			memcpy(out + k, "...", 3);
			k += 3;
			break;
		}
		unsigned char ch = (unsigned char)s[i];
		out[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[k] = '\0';
}

/* "file:line:col: path: why"; the path part is left out when empty. */
static int fail(struct ctx *c, yaml_mark_t mark, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, yaml_mark_t mark, const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return error_set(c->err, EX_CONFIG, "%s:%zu:%zu: %s%s%s", c->name, mark.line + 1,
			 mark.column + 1, path ? path : "", path && *path ? ": " : "", why);
}

/* Line and column (1-based, columns in characters like libyaml's marks)
 * of byte offset off. */
static yaml_mark_t mark_at(const unsigned char *buf, size_t len, size_t off)
{
	yaml_mark_t m = {.index = off, .line = 0, .column = 0};
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n'))) {
			m.line++;
			m.column = 0;
		} else if (buf[i] != '\r' && (buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static void node_free(struct node *nd)
{
	if (nd == NULL)
		return;
	for (size_t i = 0; i < nd->n; i++)
		node_free(nd->items[i]);
	free(nd->items);
	free(nd->text);
	free(nd);
}

static int is_null_text(const char *s, size_t n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		if (strlen(nulls[i]) == n && memcmp(nulls[i], s, n) == 0)
			return 1;
	return 0;
}

static int out_of_memory(struct ctx *c)
{
	return error_set(c->err, EX_OSERR, "%s: out of memory", c->name);
}

/* The key path of the place a new node would take below stack[0..depth),
 * e.g. "payments.blocked_customers[2]". */
static void stack_path(struct node *const *stack, size_t depth, char *out, size_t outsz)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < depth && k < outsz; i++) {
		const struct node *p = stack[i];
		int last = i + 1 == depth;
		char piece[SHOW_MAX + 8];
		piece[0] = '\0';
		if (p->kind == NODE_SEQ) {
			snprintf(piece, sizeof piece, "[%zu]", last ? p->n : p->n - 1);
		} else {
			/* the child is the value of the last key; at the top, a
			 * new node is a value only when a key is waiting */
			const struct node *key = NULL;
			if (!last && p->n >= 2 && p->n % 2 == 0)
				key = p->items[p->n - 2];
			else if (last && p->n % 2 == 1)
				key = p->items[p->n - 1];
			if (key != NULL && key->kind == NODE_SCALAR) {
				char shown[SHOW_MAX + 4];
				show(key->text, key->len, shown, sizeof shown);
				snprintf(piece, sizeof piece, "%s%s", k ? "." : "", shown);
			}
		}
		int w = snprintf(out + k, outsz - k, "%s", piece);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* A syntax error, named by the key path it broke in (SPEC §3: the
 * message names the key) when it is below one. */
static int parser_fail(struct ctx *c, const yaml_parser_t *p, const unsigned char *buf, size_t len,
		       const char *path)
{
	yaml_mark_t mark = p->problem_mark;
	const char *problem = p->problem ? p->problem : "invalid YAML";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return out_of_memory(c);
	case YAML_READER_ERROR:
		/* the reader reports a byte offset, not a mark */
		return fail(c, mark_at(buf, len, p->problem_offset), path, "%s", problem);
	default:
		if (p->context != NULL)
			return fail(c, mark, path, "%s %s", problem, p->context);
		return fail(c, mark, path, "%s", problem);
	}
}

/* Hang nd below the open collection on top of the stack, or make it root. */
static int attach(struct ctx *c, struct node **root, struct node *const *stack, size_t depth,
		  struct node *nd)
{
	if (depth == 0) {
		*root = nd;
		return 0;
	}
	struct node *p = stack[depth - 1];
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct node **items = realloc(p->items, cap * sizeof *items);
		if (items == NULL) {
			node_free(nd);
			return out_of_memory(c);
		}
		p->items = items;
		p->cap = cap;
	}
	p->items[p->n++] = nd;
	return 0;
}

static int check_node_props(struct ctx *c, const yaml_event_t *ev, const yaml_char_t *anchor,
			    const yaml_char_t *tag, struct node *const *stack, size_t depth)
{
	char path[PATH_MAX_TEXT];
	if (anchor == NULL && tag == NULL)
		return 0;
	stack_path(stack, depth, path, sizeof path);
	if (anchor != NULL)
		return fail(c, ev->start_mark, path, "anchors are not allowed");
	return fail(c, ev->start_mark, path, "tags are not allowed");
}

/* The event loop: builds *root (NULL when the stream holds no document). */
static int tree_build(struct ctx *c, const unsigned char *buf, size_t len, struct node **root)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_event = 0, docs = 0, rc = -1;
	struct node *stack[CONFIG_MAX_DEPTH];
	size_t depth = 0;
	char path[PATH_MAX_TEXT];

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return out_of_memory(c);
	/* A leading UTF-8 BOM is allowed in YAML; with the encoding set,
	 * libyaml would take it for content. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	for (;;) {
		/* after an error libyaml hands out NO_EVENT forever: stop at once */
		if (!yaml_parser_parse(&parser, &ev)) {
			stack_path(stack, depth, path, sizeof path);
			parser_fail(c, &parser, buf, len, path);
			goto out;
		}
		have_event = 1;
		struct node *nd = NULL;
		switch (ev.type) {
		case YAML_NO_EVENT:
			fail(c, ev.start_mark, NULL, "unexpected end of input");
			goto out;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			rc = 0;
			goto out;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				fail(c, ev.start_mark, NULL, "only one document is allowed");
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			stack_path(stack, depth, path, sizeof path);
			fail(c, ev.start_mark, path, "aliases are not allowed");
			goto out;
		case YAML_SCALAR_EVENT:
			if (check_node_props(c, &ev, ev.data.scalar.anchor, ev.data.scalar.tag,
					     stack, depth) != 0)
				goto out;
			nd = calloc(1, sizeof *nd);
			if (nd == NULL || (nd->text = malloc(ev.data.scalar.length + 1)) == NULL) {
				free(nd);
				out_of_memory(c);
				goto out;
			}
			nd->kind = NODE_SCALAR;
			nd->mark = ev.start_mark;
			nd->len = ev.data.scalar.length;
			memcpy(nd->text, ev.data.scalar.value, nd->len);
			nd->text[nd->len] = '\0';
			nd->is_null = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				      is_null_text(nd->text, nd->len);
			nd->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
			if (attach(c, root, stack, depth, nd) != 0)
				goto out;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int is_seq = ev.type == YAML_SEQUENCE_START_EVENT;
			if (check_node_props(c, &ev,
					     is_seq ? ev.data.sequence_start.anchor
						    : ev.data.mapping_start.anchor,
					     is_seq ? ev.data.sequence_start.tag
						    : ev.data.mapping_start.tag,
					     stack, depth) != 0)
				goto out;
			if (depth == CONFIG_MAX_DEPTH) {
				stack_path(stack, depth, path, sizeof path);
				fail(c, ev.start_mark, path, "nested deeper than %d levels",
				     CONFIG_MAX_DEPTH);
				goto out;
			}
			nd = calloc(1, sizeof *nd);
			if (nd == NULL) {
				out_of_memory(c);
				goto out;
			}
			nd->kind = is_seq ? NODE_SEQ : NODE_MAP;
			nd->mark = ev.start_mark;
			if (attach(c, root, stack, depth, nd) != 0)
				goto out;
			stack[depth++] = nd;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		}
		yaml_event_delete(&ev);
		have_event = 0;
	}
out:
	if (have_event)
		yaml_event_delete(&ev);
	yaml_parser_delete(&parser);
	if (rc != 0) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

static const char *kind_name(const struct node *nd)
{
	return nd->kind == NODE_MAP   ? "a mapping"
	       : nd->kind == NODE_SEQ ? "a sequence"
				      : "a scalar";
}

/* value must be a non-null scalar without control characters (libyaml
 * lets tabs through inside plain scalars and NULs through "\0"). */
static int want_scalar(struct ctx *c, const struct node *key, const struct node *val,
		       const char *path, const char *what)
{
	if (val->kind != NODE_SCALAR)
		return fail(c, val->mark, path, "expected %s, got %s", what, kind_name(val));
	if (val->is_null)
		return fail(c, key->mark, path, "missing value (expected %s)", what);
	for (size_t i = 0; i < val->len; i++) {
		unsigned char ch = (unsigned char)val->text[i];
		if (ch == '\t')
			return fail(c, val->mark, path, "tab in value");
		if (ch < 0x20 || ch == 0x7f)
			return fail(c, val->mark, path, "control character in value");
	}
	return 0;
}

/* Plain decimal: "0" or [1-9][0-9]*, optionally after '-'. No '+', no
 * leading zeros (no octal guessing), no exponent, no hex, no spaces.
 * 0 ok, -1 not an integer, -2 does not fit int64. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return -1;
	if (s[i] == '0' && (n - i > 1 || i > 0))
		return -1;
	for (size_t j = i; j < n; j++)
		if (s[j] < '0' || s[j] > '9')
			return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (end != s + n)
		return -1;
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

/* A decimal from 0 to 1: "0", "1", "0.25", "1.0", ".5". Computed as
 * integer / 10^k, both exact in a double, so the result is rounded once. */
static int parse_share(const char *s, size_t n, int64_t *num, int64_t *den)
{
	size_t i = 0;
	int64_t whole = 0, frac = 0, scale = 1;
	if (n == 0)
		return -1;
	if (s[0] >= '0' && s[0] <= '9') {
		if (s[0] > '1' || (n > 1 && s[1] >= '0' && s[1] <= '9'))
			return -1; /* 2 and up, or leading zeros / 10 and up */
		whole = s[0] - '0';
		i = 1;
	}
	if (i < n) {
		if (s[i] != '.' || i + 1 == n)
			return -1;
		for (i++; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			if (scale == INT64_C(1000000000000000))
				return -2;
			frac = frac * 10 + (s[i] - '0');
			scale *= 10;
		}
	}
	if (whole == 1 && frac != 0)
		return -1;
	*num = whole * scale + frac;
	*den = scale;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_ids(char **ids, size_t n)
{
	if (ids == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* dir + "/" + rel, or rel alone when it is absolute or there is no dir. */
static char *path_join(const char *dir, const char *rel)
{
	if (rel[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(rel);
	size_t dn = strlen(dir), rn = strlen(rel);
	int slash = dir[dn - 1] != '/';
	char *out = malloc(dn + (size_t)slash + rn + 1);
	if (out == NULL)
		return NULL;
	snprintf(out, dn + (size_t)slash + rn + 1, "%s%s%s", dir, slash ? "/" : "", rel);
	return out;
}

static int apply_ids(struct ctx *c, const struct node *key, const struct node *val,
		     const char *path)
{
	char **ids = NULL;
	size_t n = 0;
	int rc = -1;

	if (val->kind == NODE_SCALAR && val->is_null)
		return 0; /* "blocked_customers:" with nothing: none blocked */
	if (val->kind != NODE_SEQ)
		return fail(c, val->kind == NODE_SCALAR ? val->mark : key->mark, path,
			    "expected a sequence of customer ids, got %s", kind_name(val));
	if (val->n > 0 && (ids = calloc(val->n, sizeof *ids)) == NULL)
		return out_of_memory(c);
	for (size_t i = 0; i < val->n; i++) {
		const struct node *item = val->items[i];
		char ipath[PATH_MAX_TEXT + 24], shown[SHOW_MAX + 4];
		snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
		if (item->kind != NODE_SCALAR || item->is_null) {
			fail(c, item->mark, ipath, "expected a customer id, got %s",
			     item->kind == NODE_SCALAR ? "nothing" : kind_name(item));
			goto out;
		}
		if (!id_valid(item->text, item->len, 0)) {
			show(item->text, item->len, shown, sizeof shown);
			fail(c, item->mark, ipath,
			     "a customer id is " ID_CHARS_TEXT ", the first a letter or digit,"
			     " got \"%s\"",
			     shown);
			goto out;
		}
		if ((ids[n] = strdup(item->text)) == NULL) {
			out_of_memory(c);
			goto out;
		}
		n++;
	}
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_str);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && strcmp(ids[kept - 1], ids[i]) == 0)
			free(ids[i]);
		else
			ids[kept++] = ids[i];
	}
	free_ids(c->cfg->blocked_customers, c->cfg->n_blocked);
	c->cfg->blocked_customers = ids;
	c->cfg->n_blocked = kept;
	ids = NULL;
	n = 0;
	rc = 0;
out:
	free_ids(ids, n);
	return rc;
}

static int walk_map(struct ctx *c, const struct node *map, const struct key_spec *keys,
		    size_t n_keys, const char *section);

static int apply_key(struct ctx *c, const struct key_spec *ks, const struct node *key,
		     const struct node *val, const char *path)
{
	struct config *cfg = c->cfg;
	char shown[SHOW_MAX + 4];
	char *s = NULL;

	switch (ks->kind) {
	case KEY_SECTION:
		if (val->kind == NODE_SCALAR && val->is_null)
			return 0; /* "inbox:" with nothing: all defaults */
		if (val->kind != NODE_MAP)
			return fail(c, val->mark, path, "expected a mapping, got %s",
				    kind_name(val));
		return walk_map(c, val, ks->keys, ks->n_keys, ks->name);
	case KEY_IDS:
		return apply_ids(c, key, val, path);
	case KEY_WORKSPACE:
		if (want_scalar(c, key, val, path, "a path") != 0)
			return -1;
		if (val->len == 0)
			return fail(c, val->mark, path, "empty path");
		if ((s = path_join(c->base_dir, val->text)) == NULL)
			return out_of_memory(c);
		free(cfg->workspace);
		cfg->workspace = s;
		return 0;
	case KEY_ZONE:
		if (want_scalar(c, key, val, path, "an IANA time zone") != 0)
			return -1;
		if (!dates_zone_exists(val->text)) {
			show(val->text, val->len, shown, sizeof shown);
			return fail(c, val->mark, path, "unknown time zone \"%s\"", shown);
		}
		if ((s = strdup(val->text)) == NULL)
			return out_of_memory(c);
		free(cfg->timezone);
		cfg->timezone = s;
		return 0;
	case KEY_CURRENCY:
		if (want_scalar(c, key, val, path, "a currency code") != 0)
			return -1;
		if (val->len != 3 || val->text[0] < 'A' || val->text[0] > 'Z' ||
		    val->text[1] < 'A' || val->text[1] > 'Z' || val->text[2] < 'A' ||
		    val->text[2] > 'Z') {
			show(val->text, val->len, shown, sizeof shown);
			return fail(c, val->mark, path,
				    "expected three letters A-Z (ISO 4217), got \"%s\"", shown);
		}
		memcpy(cfg->currency_code, val->text, 4);
		return 0;
	case KEY_INT: {
		int64_t v = 0;
		if (want_scalar(c, key, val, path, "an integer") != 0)
			return -1;
		int r = parse_int(val->text, val->len, &v);
		show(val->text, val->len, shown, sizeof shown);
		if (val->quoted)
			return fail(
				c, val->mark, path,
				"expected an integer, got the string \"%s\" (write it unquoted)",
				shown);
		if (r == -2 && ks->max == INT64_MAX)
			return fail(c, val->mark, path, "too large, got %s", shown);
		if (r == -1)
			return fail(c, val->mark, path, "expected a decimal integer, got \"%s\"",
				    shown);
		if (r == -2 || v < ks->min || v > ks->max) {
			if (ks->max == INT64_MAX)
				return fail(c, val->mark, path, "must be at least %lld, got %s",
					    (long long)ks->min, shown);
			return fail(c, val->mark, path, "must be from %lld to %lld, got %s",
				    (long long)ks->min, (long long)ks->max, shown);
		}
		if (ks->is64)
			*(int64_t *)(void *)((char *)cfg + ks->offset) = v;
		else
			*(int *)(void *)((char *)cfg + ks->offset) = (int)v;
		if (ks->offset == offsetof(struct config, max_amount))
			c->max_amount_node = val;
		if (ks->offset == offsetof(struct config, minor_digits))
			c->minor_digits_node = val;
		return 0;
	}
	case KEY_SHARE: {
		int64_t num = 0, den = 1;
		if (want_scalar(c, key, val, path, "a decimal from 0 to 1") != 0)
			return -1;
		int r = parse_share(val->text, val->len, &num, &den);
		show(val->text, val->len, shown, sizeof shown);
		if (val->quoted)
			return fail(c, val->mark, path,
				    "expected a decimal, got the string \"%s\" (write it unquoted)",
				    shown);
		if (r == -2)
			return fail(c, val->mark, path, "more than %d decimals in %s",
				    SHARE_MAX_DECIMALS, shown);
		if (r != 0)
			return fail(c, val->mark, path,
				    "expected a decimal from 0 to 1, got \"%s\"", shown);
		cfg->max_rejected_share = (double)num / (double)den;
		cfg->max_rejected_share_num = num;
		cfg->max_rejected_share_den = den;
		return 0;
	}
	case KEY_BOOL: {
		if (want_scalar(c, key, val, path, "true or false") != 0)
			return -1;
		int *field = (int *)((char *)cfg + ks->offset);
		if (val->quoted) {
			show(val->text, val->len, shown, sizeof shown);
			return fail(
				c, val->mark, path,
				"expected true or false, got the string \"%s\" (write it unquoted)",
				shown);
		}
		if (val->len == 4 && memcmp(val->text, "true", 4) == 0)
			*field = 1;
		else if (val->len == 5 && memcmp(val->text, "false", 5) == 0)
			*field = 0;
		else {
			show(val->text, val->len, shown, sizeof shown);
			return fail(c, val->mark, path, "expected true or false, got \"%s\"",
				    shown);
		}
		return 0;
	}
	case KEY_PATH: {
		if (want_scalar(c, key, val, path, "a path") != 0)
			return -1;
		char **field = (char **)((char *)cfg + ks->offset);
		if (val->len == 0) { /* "" = none */
			free(*field);
			*field = NULL;
			return 0;
		}
		/* The one path key: node_exporter's textfile collector reads
		 * *.prom files only; another name would never be scraped. */
		if (val->len < 6 || memcmp(val->text + val->len - 5, ".prom", 5) != 0 ||
		    val->text[val->len - 6] == '/') {
			show(val->text, val->len, shown, sizeof shown);
			return fail(c, val->mark, path,
				    "must name a *.prom file (node_exporter reads no other), got "
				    "\"%s\"",
				    shown);
		}
		if ((s = path_join(c->base_dir, val->text)) == NULL)
			return out_of_memory(c);
		free(*field);
		*field = s;
		return 0;
	}
	case KEY_CHOICE: {
		char allowed[128];
		size_t k = 0;
		if (want_scalar(c, key, val, path, "a word") != 0)
			return -1;
		for (int i = 0; ks->choices[i] != NULL; i++) {
			if (strlen(ks->choices[i]) == val->len &&
			    memcmp(ks->choices[i], val->text, val->len) == 0) {
				ks->set_choice(cfg, i);
				return 0;
			}
			int w = snprintf(allowed + k, sizeof allowed - k, "%s%s", i ? " | " : "",
					 ks->choices[i]);
			if (w > 0 && (size_t)w < sizeof allowed - k)
				k += (size_t)w;
		}
		show(val->text, val->len, shown, sizeof shown);
		return fail(c, val->mark, path, "expected %s, got \"%s\"", allowed, shown);
	}
	}
	return fail(c, val->mark, path, "internal error: unhandled key kind");
}

/* Known keys only, each once. Duplicates are found here: a map's keys
 * are all known by now, so the seen flags suffice. */
static int walk_map(struct ctx *c, const struct node *map, const struct key_spec *keys,
		    size_t n_keys, const char *section)
{
	unsigned char seen[16] = {0};
	char path[PATH_MAX_TEXT], shown[SHOW_MAX + 4];

	if (n_keys > sizeof seen)
		return fail(c, map->mark, section, "internal error: too many keys");
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct node *key = map->items[i], *val = map->items[i + 1];
		if (key->kind != NODE_SCALAR)
			return fail(c, key->mark, section, "a key must be a plain word, got %s",
				    kind_name(key));
		size_t k = 0;
		while (k < n_keys && !(strlen(keys[k].name) == key->len &&
				       memcmp(keys[k].name, key->text, key->len) == 0))
			k++;
		show(key->text, key->len, shown, sizeof shown);
		snprintf(path, sizeof path, "%s%s%s", section ? section : "", section ? "." : "",
			 shown);
		if (k == n_keys)
			return fail(c, key->mark, path, "unknown key");
		if (seen[k])
			return fail(c, key->mark, path, "duplicate key");
		seen[k] = 1;
		if (apply_key(c, &keys[k], key, val, path) != 0)
			return -1;
	}
	return 0;
}

static int set_defaults(struct config *cfg, const char *base_dir)
{
	memcpy(cfg->currency_code, "KRW", 4);
	cfg->minor_digits = 0;
	cfg->term_months = 12;
	cfg->renewal_window_days = 30;
	cfg->min_age_seconds = 0;
	cfg->max_file_bytes = INT64_C(1073741824);
	cfg->max_field_bytes = 1024;
	cfg->max_rejected_share = 1.0;
	cfg->max_rejected_share_num = 1;
	cfg->max_rejected_share_den = 1;
	cfg->max_amount = 10000000;
	cfg->max_per_customer_per_day = 10;
	cfg->blocked_customers = NULL;
	cfg->n_blocked = 0;
	cfg->full_refund_days = 7;
	cfg->refund_after = REFUND_PRORATED;
	cfg->per_customer = PER_CUSTOMER_CHANGED;
	cfg->notice_days = 30;
	cfg->synchronous_full = 1;
	cfg->lock_wait_seconds = 600;
	cfg->workbook = 1;
	cfg->csv_bom = 0;
	cfg->retention_archive_days = 0;
	cfg->retention_rejected_days = 0;
	cfg->retention_reports_days = 0;
	cfg->monitoring_textfile = NULL;
	cfg->max_inbox_age_minutes = 60;
	(void)base_dir; /* relative paths in the file resolve against it; the default is absolute */
	cfg->workspace = strdup(CONFIG_DEFAULT_WORKSPACE);
	cfg->timezone = strdup("Asia/Seoul");
	return cfg->workspace && cfg->timezone ? 0 : -1;
}

/* max_amount in minor units must stay within what amounts may hold. */
static int check_max_amount(struct ctx *c)
{
	int64_t scale = 1;
	for (int i = 0; i < c->cfg->minor_digits; i++)
		scale *= 10;
	if (c->cfg->max_amount <= MONEY_MAX_MINOR / scale)
		return 0;
	const struct node *at = c->max_amount_node ? c->max_amount_node : c->minor_digits_node;
	yaml_mark_t mark = at ? at->mark : (yaml_mark_t){0};
	return fail(c, mark, c->max_amount_node ? "payments.max_amount" : "currency.minor_digits",
		    "max_amount %lld with %d minor digits exceeds 2^53 minor units"
		    " (at most %lld)",
		    (long long)c->cfg->max_amount, c->cfg->minor_digits,
		    (long long)(MONEY_MAX_MINOR / scale));
}

int config_load_buffer(struct config *cfg, const char *name, const char *base_dir,
		       const unsigned char *buf, size_t len, struct error *err)
{
	struct ctx c = {.name = name, .base_dir = base_dir, .cfg = cfg, .err = err};
	struct node *root = NULL;
	int rc = -1;

	memset(cfg, 0, sizeof *cfg);
	if ((cfg->path = strdup(name)) == NULL || set_defaults(cfg, base_dir) != 0) {
		out_of_memory(&c);
		goto out;
	}
	if (len > CONFIG_MAX_BYTES) {
		error_set(err, EX_CONFIG, "%s: larger than %d bytes", name, CONFIG_MAX_BYTES);
		goto out;
	}
	/* libyaml's reader would refuse it too, but only with a byte offset */
	const unsigned char *nul = memchr(buf, '\0', len);
	if (nul != NULL) {
		fail(&c, mark_at(buf, len, (size_t)(nul - buf)), NULL, "NUL byte in the file");
		goto out;
	}
	if (tree_build(&c, buf, len, &root) != 0)
		goto out;
	if (root != NULL && !(root->kind == NODE_SCALAR && root->is_null)) {
		if (root->kind != NODE_MAP) {
			fail(&c, root->mark, NULL, "the top level must be a mapping, got %s",
			     kind_name(root));
			goto out;
		}
		if (walk_map(&c, root, top_keys, sizeof top_keys / sizeof top_keys[0], NULL) != 0)
			goto out;
	}
	if (check_max_amount(&c) != 0)
		goto out;
	rc = 0;
out:
	node_free(root);
	if (rc != 0)
		config_free(cfg);
	return rc;
}

/* The folder of path: "dir/f" -> "dir", "f" -> ".", "/f" -> "/". */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

int config_load(struct config *cfg, const char *path, struct error *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	char *dir = NULL;
	int fd = -1, rc = -1;

	memset(cfg, 0, sizeof *cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, EX_NOINPUT, "%s: cannot open the configuration: %s", path,
			  strerror(errno));
		goto out;
	}
	for (;;) {
		if (len == cap) {
			/* one byte past the cap is enough to know it is too big */
			if (cap > CONFIG_MAX_BYTES)
				break;
			size_t ncap = cap ? cap * 2 : 4096;
			if (ncap > CONFIG_MAX_BYTES + 1)
				ncap = CONFIG_MAX_BYTES + 1;
			unsigned char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				error_set(err, EX_OSERR, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_set(err, EX_NOINPUT, "%s: cannot read the configuration: %s", path,
				  strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if ((dir = dir_of(path)) == NULL) {
		error_set(err, EX_OSERR, "%s: out of memory", path);
		goto out;
	}
	rc = config_load_buffer(cfg, path, dir, buf ? buf : (const unsigned char *)"", len, err);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(dir);
	return rc;
}

int config_is_blocked(const struct config *cfg, const char *id)
{
	if (cfg->n_blocked == 0 || id == NULL)
		return 0;
	return bsearch(&id, cfg->blocked_customers, cfg->n_blocked, sizeof *cfg->blocked_customers,
		       cmp_str) != NULL;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->workspace);
	free(cfg->monitoring_textfile);
	free(cfg->timezone);
	free_ids(cfg->blocked_customers, cfg->n_blocked);
	memset(cfg, 0, sizeof *cfg);
}
