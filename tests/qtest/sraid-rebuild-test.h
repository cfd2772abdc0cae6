/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of sraid's host management and background work.
 */
#ifndef SRAID_REBUILD_TEST_H
#define SRAID_REBUILD_TEST_H

void sraid_rebuild_test_register(void);

#endif /* SRAID_REBUILD_TEST_H */
