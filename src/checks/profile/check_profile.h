/* src/checks/profile/check_profile.h - profile requirements no RFC area covers: MTA-STS TXT required, retired domains */
#ifndef MS_CHECKS_PROFILE_CHECK_PROFILE_H
#define MS_CHECKS_PROFILE_CHECK_PROFILE_H

struct audit;

/*
 * check_profile_start - apply the profile's own requirements that belong to
 * no RFC check: "mta-sts.required" (a _mta-sts TXT record beginning v=STSv1
 * must exist; the policy file is the mta-sts check's) and
 * "domain.retired_suffixes" (domains at or below these are retired).  Raises
 * profile.* findings carrying the profile's name; does nothing for a profile
 * without these keys.
 */
void check_profile_start(struct audit *a);

#endif
