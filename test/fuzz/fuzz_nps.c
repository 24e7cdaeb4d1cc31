/*
 * fuzz_nps.c
 *	  libFuzzer target: NPS arithmetic on arbitrary counts and comparisons on
 *	  arbitrary doubles.  Checks the invariants the SQL layer relies on: the
 *	  score and its interval stay inside [-100, 100], the standard error is a
 *	  non-negative number, and p-values are probabilities.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nps_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	c[3];
	double		d[4];
	NpsSummary	s;
	NpsComparison cmp;

	if (size < sizeof(c) + sizeof(d))
		return 0;
	memcpy(c, data, sizeof(c));
	memcpy(d, data + sizeof(c), sizeof(d));

	if ((uint64_t) c[0] + c[1] + c[2] > 0)
	{
		s = nps_summarize(c[0], c[1], c[2]);
		if (!(s.nps >= -100.0 && s.nps <= 100.0) ||
			!(s.std_error >= 0.0 && s.std_error <= 100.0) ||
			!(s.ci_low >= -100.0 && s.ci_low <= s.nps) ||
			!(s.ci_high <= 100.0 && s.ci_high >= s.nps))
			abort();
	}
	if (isfinite(d[0]) && isfinite(d[1]) && isfinite(d[2]) && isfinite(d[3]) &&
		d[1] >= 0 && d[3] >= 0)
	{
		cmp = nps_compare_core(d[0], d[1], d[2], d[3]);
		if (cmp.z_valid && !isnan(cmp.z) && !(cmp.p_value >= 0.0 && cmp.p_value <= 1.0))
			abort();
	}
	return 0;
}
