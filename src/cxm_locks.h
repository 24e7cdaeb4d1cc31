/*
 * cxm_locks.h
 *	  The advisory-lock keys of the extension, defined once.
 *
 * Each is the first int4 key of a two-key advisory lock, four ASCII letters
 * ("cxm" and one for the family).  The C glue uses these names; the SQL
 * scripts (the files of src/sql) write the same numbers in decimal, and
 * test/check_lock_keys.sh (part of make test) checks that every advisory lock
 * in the scripts uses a key defined here and that every key here is used.
 * A new key: add it here, then use it.
 */
#ifndef CXM_LOCKS_H
#define CXM_LOCKS_H

/* 'cxmb' 1668836706: an experiment's definition and arms, second key hashtext(name) */
#define CXM_LOCK_BANDIT			0x63786d62
/* 'cxmc' 1668836707: a session's sticky-assignment slot, second key the slot */
#define CXM_LOCK_BANDIT_SLOT	0x63786d63
/* 'cxml' 1668836716: the CX layer, second key 1 (mappings) or 2 (refresh) */
#define CXM_LOCK_LAYER			0x63786d6c

#endif							/* CXM_LOCKS_H */
