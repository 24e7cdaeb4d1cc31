/*
 * msort_core.h
 *	  One stable merge sort for the cores' small arrays (no postgres.h):
 *	  insertion-sorted runs of MSORT_RUN elements merged bottom-up between
 *	  the array and a buffer, after a first pass that returns at once when
 *	  the input is already sorted.  Inlined comparisons, unlike qsort's.
 *
 * Instantiate by defining MSORT_NAME (the function), MSORT_TYPE (the
 * element) and MSORT_LESS(a, b) (a strictly before b, given pointers),
 * then including this file; it defines
 *
 *	  static void MSORT_NAME(MSORT_TYPE *a, size_t n, MSORT_TYPE *tmp)
 *
 * where tmp has room for n elements when n > MSORT_RUN (NULL otherwise).
 */
#include <stddef.h>
#include <string.h>

#ifndef MSORT_RUN
#define MSORT_RUN 16
#endif

static void
MSORT_NAME(MSORT_TYPE *a, size_t n, MSORT_TYPE *tmp)
{
	size_t		start,
				width,
				i,
				j;
	MSORT_TYPE *src = a,
			   *dst = tmp;

	for (i = 1; i < n; i++)
		if (MSORT_LESS(&a[i], &a[i - 1]))
			break;
	if (i >= n)
		return;
	for (start = 0; start < n; start += MSORT_RUN)
	{
		size_t		end = start + MSORT_RUN < n ? start + MSORT_RUN : n;

		for (i = start + 1; i < end; i++)
		{
			MSORT_TYPE	x = a[i];

			for (j = i; j > start && MSORT_LESS(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	for (width = MSORT_RUN; width < n; width *= 2)
	{
		MSORT_TYPE *t;

		for (start = 0; start < n; start += 2 * width)
		{
			size_t		mid = start + width < n ? start + width : n;
			size_t		end = start + 2 * width < n ? start + 2 * width : n;
			size_t		l = start,
						r = mid,
						k = start;

			if (mid >= end || !MSORT_LESS(&src[mid], &src[mid - 1]))
			{
				memcpy(dst + start, src + start, (end - start) * sizeof(MSORT_TYPE));
				continue;
			}
			while (l < mid && r < end)
				dst[k++] = MSORT_LESS(&src[r], &src[l]) ? src[r++] : src[l++];
			while (l < mid)
				dst[k++] = src[l++];
			while (r < end)
				dst[k++] = src[r++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(MSORT_TYPE));
}

#undef MSORT_NAME
#undef MSORT_TYPE
#undef MSORT_LESS
