/** Flow sandbox routes: analytics, health, ping and the queue. */
import { IN_FLIGHT } from "../executions.js";
import { type Owned, type Principal } from "../store.js";
import { nowSeconds } from "../replies.js";
import type { Handler } from "../../spec-router.js";
import type { FlowContext } from "../context.js";

/** Handlers by operationId. */
export function analyticsRoutes(c: FlowContext): Record<string, Handler> {
  const { store, engine } = c;
  return {
    getUsageAnalytics({ principal }) {
      const p = principal as Principal;
      engine.advanceAll();
      const month = nowSeconds() - 30 * 86400;
      const mine = <T extends Owned>(items: Iterable<T>) =>
        [...items].filter((r) => !r.removed && store.owns(r, p));
      const data = mine(store.data.values()).filter((d) => d.ready);
      const executions = mine(store.executions.values());
      const gb = (bytes: number) => Math.round((bytes / 1e9) * 100) / 100;
      return {
        status: 200,
        body: {
          user_stats: {
            total_samples: mine(store.samples.values()).length,
            total_projects: mine(store.projects.values()).length,
            total_executions: executions.length,
            total_data_gb: gb(data.reduce((n, d) => n + d.size, 0)),
            executions_last_30_days: executions.filter((e) => e.created >= month).length,
            data_uploaded_last_30_days_gb: gb(
              data
                .filter((d) => d.created >= month && d.executionId === null)
                .reduce((n, d) => n + d.size, 0),
            ),
          },
          group_stats: Object.fromEntries(
            p.user.groups.map((slug) => {
              const members = [...store.users.values()]
                .filter((u) => u.groups.includes(slug))
                .map((u) => u.id);
              return [
                slug,
                {
                  total_samples: [...store.samples.values()].filter(
                    (s) => s.groupOwner === slug || members.includes(s.ownerId ?? ""),
                  ).length,
                  total_executions: [...store.executions.values()].filter((e) =>
                    members.includes(e.ownerId ?? ""),
                  ).length,
                  active_users: members.length,
                },
              ];
            }),
          ),
          recent_activity: executions
            .filter((e) => e.finished !== null)
            .sort((a, b) => (b.finished ?? 0) - (a.finished ?? 0))
            .slice(0, 10)
            .map((e) => ({
              timestamp: e.finished,
              action:
                e.status === "OK"
                  ? "execution_completed"
                  : e.status === "ERROR"
                    ? "execution_failed"
                    : "execution_canceled",
              details: `${store.pipelineOfExecution(e).pipeline.name} ${e.identifier}: ${e.status}`,
            })),
        },
      };
    },
    getDailyActiveUsers({ principal }) {
      if (!(principal as Principal).user.isAdmin) return { status: 403, body: { error: "Admin only" } };
      const users = store.users.size;
      return {
        status: 200,
        body: {
          date: new Date().toISOString().slice(0, 10),
          daily_active_users: Math.max(1, Math.round(users / 3)),
          weekly_active_users: Math.max(1, Math.round(users / 2)),
          monthly_active_users: users,
          new_users_today: [...store.users.values()].filter((u) => u.created >= nowSeconds() - 86400).length,
          trends: { dau_change_percent: 5.2, wau_change_percent: 3.8, mau_change_percent: 2.1 },
        },
      };
    },
    ping: () => ({ status: 200, body: "pong", headers: { "content-type": "text/plain; charset=utf-8" } }),
    getHealth: () => ({
      status: 200,
      body: {
        status: "healthy",
        timestamp: new Date().toISOString(),
        version: "sandbox",
        services: {
          database: { status: "healthy", latency_ms: 0.4 },
          rabbitmq: {
            status: "healthy",
            queue_depth: [...store.executions.values()].filter((e) => IN_FLIGHT.has(e.status)).length,
          },
          storage: { status: "healthy", available_gb: 500 },
          celery: { status: "healthy", active_workers: 4 },
        },
      },
    }),
  };
}
