/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Cluster membership qtests, registered by sraid-test's main.
 */
#ifndef SRAID_CLUSTER_TEST_H
#define SRAID_CLUSTER_TEST_H

void sraid_cluster_test_register(void);

#endif /* SRAID_CLUSTER_TEST_H */
