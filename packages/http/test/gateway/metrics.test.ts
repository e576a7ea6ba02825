import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const users = definePlugin({
  name: 'users',
  version: '1.0.0',
  setup(ctx) {
    ctx.provide('users.count', () => 3);
    ctx.http.get('/:id', (request) => ({ id: request.params.id }));
  },
});

describe('/metrics', () => {
  it("serves the host's Prometheus registry with the gateway's request counter and duration histogram", async () => {
    const { request, host } = await startGatewayHost([users]);
    await request('/users/1');
    await request('/users/2');
    await request('/missing');
    await host.call('users.count');
    const response = await request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('trellis_http_requests_total{method="GET",route="/users/:id",status="200"} 2');
    expect(text).toContain('trellis_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(
      /trellis_http_request_duration_seconds_bucket\{method="GET",route="\/users\/:id",le="\+Inf"\} 2/,
    );
    expect(text).toContain('trellis_http_request_duration_seconds_count{method="GET",route="/users/:id"} 2');
    expect(text).toContain('trellis_calls_total{capability="users.count",outcome="ok"} 1');
  });

  it('removes its metrics from the host registry when it stops', async () => {
    const { request, host } = await startGatewayHost([users]);
    await request('/users/1');
    await host.stop();
    expect(await host.metrics.registry.metrics()).not.toContain('trellis_http_requests_total');
  });
});
