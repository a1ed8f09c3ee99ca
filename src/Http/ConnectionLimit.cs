using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Orchestrator.Http;

/// <summary>
/// Bounds the connections the API holds open (<see cref="ApiOptions.MaxConnections"/>). Kestrel's own limit closes an
/// excess connection without a word; this one answers it <c>503</c> with <c>Retry-After</c> first, so that a client
/// can tell a full node from a dead one. The refusal costs one small write: the request is not parsed, only its first
/// bytes are read (or at most a second waited for) so that closing does not reset the connection under the answer.
/// One client (a remote address) holds at most <c>perClient</c> of the places, so that it cannot shut the others out;
/// the count per address is kept only while the address has a connection open, so it is bounded by <c>max</c>.
/// </summary>
public sealed class ConnectionLimit(int max, int perClient)
{
    private static readonly TimeSpan ReadBeforeClose = TimeSpan.FromSeconds(1);

    private const string RefusalBody =
        "{\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.6.4\",\"title\":\"Too many connections\",\"status\":503," +
        "\"detail\":\"The node holds its maximum of open connections, or this client its share of them (orchestrator.api.max-connections, max-connections-per-client); retry after a second, or reuse a connection.\"}";

    private static readonly byte[] Refusal = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: application/problem+json\r\n" +
        $"Content-Length: {RefusalBody.Length}\r\n\r\n{RefusalBody}");

    private readonly Dictionary<IPAddress, int> _openByClient = new();
    private int _open;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var client = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (!TryOpen(client))
        {
            ApiMetrics.Refused(ApiMetrics.ConnectionLimit);
            await RefuseAsync(connection);
            return;
        }
        ApiMetrics.ConnectionOpened();
        try
        {
            await next(connection);
        }
        finally
        {
            Close(client);
            ApiMetrics.ConnectionClosed();
        }
    }

    private bool TryOpen(IPAddress client)
    {
        lock (_openByClient)
        {
            var ofClient = _openByClient.GetValueOrDefault(client);
            if (_open >= max || ofClient >= perClient) return false;
            _open++;
            _openByClient[client] = ofClient + 1;
            return true;
        }
    }

    private void Close(IPAddress client)
    {
        lock (_openByClient)
        {
            _open--;
            var ofClient = _openByClient[client] - 1;
            if (ofClient == 0) _openByClient.Remove(client);
            else _openByClient[client] = ofClient;
        }
    }

    private static async Task RefuseAsync(ConnectionContext connection)
    {
        using var timeout = new CancellationTokenSource(ReadBeforeClose);
        try
        {
            await connection.Transport.Output.WriteAsync(Refusal, timeout.Token);
            var read = await connection.Transport.Input.ReadAsync(timeout.Token);
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // The client sent nothing in time or went away: the connection closes either way.
        }
    }
}
