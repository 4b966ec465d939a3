using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace MmSim.Package.Tests.Infrastructure;

/// <summary>
/// A minimal LSP client: Content-Length framed JSON-RPC over a server's stdin/stdout. It answers the
/// server's requests (<c>workspace/configuration</c> with the given settings, anything else with null)
/// and queues its notifications. Disposing kills the server.
/// </summary>
public sealed class LspClient : IDisposable
{
    private readonly Process _server;
    private readonly Stream _input;
    private readonly JsonObject _configuration;
    private readonly Channel<JsonObject> _notifications = Channel.CreateUnbounded<JsonObject>();
    private readonly Dictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly StringBuilder _serverLog = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _nextId;

    public LspClient(ProcessStartInfo server, JsonObject configuration)
    {
        server.RedirectStandardInput = true;
        _configuration = configuration;
        _server = Process.Start(server) ?? throw new InvalidOperationException("the language server did not start");
        _input = _server.StandardInput.BaseStream;
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_serverLog) _serverLog.AppendLine(e.Data); };
        _server.BeginErrorReadLine();
        _ = Task.Run(ReadLoop);
    }

    public string ServerLog { get { lock (_serverLog) return _serverLog.ToString(); } }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode parameters, CancellationToken cancellation)
    {
        var id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending) _pending[id] = response;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        return await response.Task.WaitAsync(cancellation);
    }

    public Task NotifyAsync(string method, JsonNode parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    /// <summary>The next notification from the server; throws when <paramref name="cancellation"/> fires first.</summary>
    public ValueTask<JsonObject> NextNotificationAsync(CancellationToken cancellation) => _notifications.Reader.ReadAsync(cancellation);

    public void Dispose()
    {
        if (!_server.HasExited)
            _server.Kill(entireProcessTree: true);
        _server.WaitForExit(10_000);
        _server.Dispose();
    }

    private async Task SendAsync(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _writeLock.WaitAsync();
        try
        {
            await _input.WriteAsync(header);
            await _input.WriteAsync(body);
            await _input.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoop()
    {
        var output = _server.StandardOutput.BaseStream;
        try
        {
            while (await ReadMessageAsync(output) is { } message)
                await DispatchAsync(message);
        }
        catch (IOException)
        {
            // the server was killed: nothing more to read
        }
        _notifications.Writer.TryComplete(new IOException($"the language server closed its output\n{ServerLog}"));
    }

    private async Task DispatchAsync(JsonObject message)
    {
        bool hasId = message.TryGetPropertyValue("id", out var id) && id is not null;
        if (message["method"] is JsonValue method && hasId)
        {
            // a request from the server
            JsonNode? result = (string?)method == "workspace/configuration" ? ConfigurationFor(message["params"]) : null;
            await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id!.DeepClone(), ["result"] = result });
        }
        else if (message["method"] is not null)
        {
            await _notifications.Writer.WriteAsync(message);
        }
        else if (hasId && id!.GetValueKind() == JsonValueKind.Number)
        {
            TaskCompletionSource<JsonNode?>? response;
            lock (_pending) _pending.Remove((int)id, out response);
            if (message["error"] is { } error)
                response?.TrySetException(new InvalidOperationException($"LSP error: {error.ToJsonString()}"));
            else
                response?.TrySetResult(message["result"]?.DeepClone());
        }
    }

    /// <summary>One copy of the settings per requested item (csharp-ls asks for the section "csharp").</summary>
    private JsonArray ConfigurationFor(JsonNode? parameters)
    {
        var answer = new JsonArray();
        foreach (var _ in parameters?["items"]?.AsArray() ?? [])
            answer.Add(_configuration.DeepClone());
        return answer;
    }

    private static async Task<JsonObject?> ReadMessageAsync(Stream stream)
    {
        int length = -1;
        while (true)
        {
            var line = await ReadHeaderLineAsync(stream);
            if (line is null)
                return null;
            if (line.Length == 0)
                break;
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                length = int.Parse(line["Content-Length:".Length..].Trim());
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return JsonNode.Parse(body)?.AsObject();
    }

    private static async Task<string?> ReadHeaderLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            if (one[0] == '\n')
                return line.ToString().TrimEnd('\r');
            line.Append((char)one[0]);
        }
        return null;
    }
}
