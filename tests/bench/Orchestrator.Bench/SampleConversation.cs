using System.Text;
using Orchestrator.Actors.Conversation;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Bench;

/// <summary>
/// The bench scenario's data as the engine sees it: a conversation after <c>rounds</c> rounds of <see cref="Calls"/>
/// parallel calls, the server frames of one round, and the events one round persists. Built from the real types,
/// with the sizes the emulator produces (ids, arguments and tool outputs of the same shape).
/// </summary>
public static class SampleConversation
{
    public const int Calls = 3;

    public static readonly ConversationSettings Settings = new("gpt-5.1", "You are a helpful assistant. Use the tools when they help, and answer concisely.", Store: false);

    public static readonly IReadOnlyList<FunctionTool> Tools = ConversationDependencies.Declare(DemoTools.Register(new ToolRegistry()));

    public static string ResponseId(int round) => $"resp_{round:D4}{new string('a', 44)}";

    public static string CallId(int round, int call) => $"call_{round:D4}{call:D2}{new string('b', 18)}";

    public static Item FunctionCall(int round, int call) => Item.Parse(
        $$"""{"type":"function_call","id":"fc_{{round:D4}}{{call:D2}}{{new string('c', 40)}}","call_id":"{{CallId(round, call)}}","name":"get_weather","arguments":"{\"city\":\"Paris\",\"unit\":\"celsius\"}","status":"completed"}""");

    public static string ToolOutput => """{"city":"Paris","temperature":18,"unit":"celsius","conditions":"partly_cloudy","humidity_percent":61,"wind_kph":14}""";

    /// <summary>The state after <paramref name="rounds"/> completed rounds, awaiting the model with round <paramref name="rounds"/>'s outputs unsent.</summary>
    public static ConversationState After(int rounds)
    {
        var state = ConversationState.Empty
            .Apply(new ConversationStarted(Settings))
            .Apply(new UserMessageAccepted("m1", Item.UserMessage("compare catalogue items tools:3 rounds:20")));
        for (var round = 1; round <= rounds; round++)
        {
            state = state.Apply(ResponseRecordedOf(round));
            for (var call = 0; call < Calls; call++) state = state.Apply(ToolResultOf(round, call));
        }
        return state;
    }

    public static ResponseRecorded ResponseRecordedOf(int round) =>
        new(ResponseId(round), Enumerable.Range(0, Calls).Select(call => FunctionCall(round, call)).ToList(), null);

    public static ToolResultRecorded ToolResultOf(int round, int call) =>
        new(CallId(round, call), Item.FunctionCallOutput(CallId(round, call), ToolOutput), IsError: false);

    /// <summary>The <c>response.completed</c> frame of a round: the largest frame of a tool round.</summary>
    public static byte[] CompletedFrame(int round)
    {
        var output = string.Join(",", Enumerable.Range(0, Calls).Select(call => FunctionCall(round, call).ToString()));
        return Encoding.UTF8.GetBytes(
            $$$"""{"type":"response.completed","sequence_number":{{{4 + 4 * Calls}}},"response":{"id":"{{{ResponseId(round)}}}","object":"response","created_at":1764028800,"status":"completed","model":"gpt-5.1","output":[{{{output}}}],"parallel_tool_calls":true,"previous_response_id":"{{{ResponseId(round - 1)}}}","store":false,"usage":{"input_tokens":812,"input_tokens_details":{"cached_tokens":768},"output_tokens":64,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":876}}""" + "}");
    }

    /// <summary>One of the small frames that stream a round (an argument delta).</summary>
    public static byte[] DeltaFrame { get; } = Encoding.UTF8.GetBytes(
        """{"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_00010011cccccccccccccccccccccccccccccccccccccccc","output_index":1,"delta":"{\"city\":\"Paris\","}""");
}
