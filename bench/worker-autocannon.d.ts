/** The part of autocannon 9's API the worker benchmark uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      amount?: number;
      /** Seconds to run (instead of `amount`). */
      duration?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
    }
    interface Histogram { p50: number; p99: number; average: number; total: number }
    interface Result { latency: Histogram; requests: Histogram; non2xx: number; errors: number; timeouts: number; '2xx': number; duration: number }
    interface Instance extends PromiseLike<Result> {
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
