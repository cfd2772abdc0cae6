/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Logical drive qtests, registered by sraid-test's main.
 */
#ifndef SRAID_LD_TEST_H
#define SRAID_LD_TEST_H

void sraid_ld_test_register(void);

#endif /* SRAID_LD_TEST_H */
