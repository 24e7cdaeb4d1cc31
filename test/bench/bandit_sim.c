/*
 * bandit_sim.c
 *	  The heavy version of the starved-control simulation (test/unit/bandit_sim.h):
 *	  RUNS seeded runs of VISITORS subjects.  Prints one line
 *	  "runs intervals naive ipw corrected defined control_share min_share".
 *	  Built and run by test/bench/bandit.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_alloc.h"
#include "bandit_sim.h"

int
main(int argc, char **argv)
{
	BanditSimResult r;
	int			runs = argc > 1 ? atoi(argv[1]) : 400;
	int			visitors = argc > 2 ? atoi(argv[2]) : 5000;

	if (runs < 1 || visitors < 100)
	{
		fprintf(stderr, "usage: bandit_sim [RUNS >= 1] [VISITORS >= 100]\n");
		return 2;
	}
	bandit_sim(runs, visitors, &unit_allocator, &r);
	printf("%d %d %.4f %.4f %.4f %d %.4f %.4f\n", r.runs, r.intervals,
		   (double) r.naive_cover / r.intervals, (double) r.ipw_cover / r.intervals,
		   (double) r.corrected_cover / r.intervals, r.corrected_defined,
		   r.mean_control_share, r.min_control_share);
	return 0;
}
