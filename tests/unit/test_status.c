/* test_status.c: every allowed and refused status move of SPEC.md. */
#include "status.h"
#include "test.h"

int main(void)
{
	/* The moves SPEC.md allows, and no others. */
	static const char *const allowed[] = {
		"submitted accepted",  "submitted waitlisted", "submitted declined",
		"submitted withdrawn", "waitlisted submitted", "waitlisted accepted",
		"waitlisted declined", "waitlisted withdrawn", "accepted declined",
		"accepted withdrawn",  "accepted completed",
	};
	int n_allowed = 0;
	for (int f = 0; f < ST_MAX; f++) {
		for (int t = 0; t < ST_MAX; t++) {
			char pair[40];
			snprintf(pair, sizeof(pair), "%s %s", status_names[f], status_names[t]);
			bool want = false;
			for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				want |= strcmp(allowed[i], pair) == 0;
			if (status_move_allowed(f, t) != want)
				fprintf(stderr, "move %s\n", pair);
			CHECK(status_move_allowed(f, t) == want);
			n_allowed += want;
		}
	}
	CHECK(n_allowed == 11);
	CHECK(status_final(ST_DECLINED) && status_final(ST_WITHDRAWN) && status_final(ST_COMPLETED));
	CHECK(!status_final(ST_SUBMITTED) && !status_final(ST_WAITLISTED));
	CHECK(status_active(ST_SUBMITTED) && status_active(ST_ACCEPTED));
	CHECK(!status_active(ST_WAITLISTED) && !status_active(ST_COMPLETED));
	CHECK(status_parse("accepted") == ST_ACCEPTED);
	CHECK(status_parse("Accepted") == -1 && status_parse("") == -1 && status_parse(NULL) == -1);
	CHECK(!status_move_allowed(ST_MAX, ST_SUBMITTED));
	return TEST_DONE("status");
}
