using System.Text;
using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Connections;

public class HolderEventsTests
{
    private static bool Forwarded(string frame) => HolderEvents.Forwarded(ServerEventParser.Parse(Encoding.UTF8.GetBytes(frame)));

    private const string Response = """{"id":"resp_1","status":"in_progress","output":[]}""";

    [Theory]
    [InlineData($$"""{"type":"response.created","response":{{Response}},"sequence_number":0}""")]
    [InlineData($$"""{"type":"response.in_progress","response":{{Response}},"sequence_number":1}""")]
    [InlineData($$"""{"type":"response.completed","response":{{Response}},"sequence_number":9}""")]
    [InlineData($$"""{"type":"response.failed","response":{{Response}},"sequence_number":9}""")]
    [InlineData($$"""{"type":"response.incomplete","response":{{Response}},"sequence_number":9}""")]
    [InlineData("""{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","sequence_number":4}""")]
    [InlineData("""{"type":"error","status":429,"error":{"type":"rate_limit_error","code":"rate_limit_exceeded","message":"slow down"}}""")]
    [InlineData("""{"type":"response.steer.accepted","steer":{"id":"steer_1","previous_response_id":"resp_1"},"sequence_number":3}""")]
    public void The_holder_gets_the_lifecycle_text_deltas_errors_and_steering(string frame) => Assert.True(Forwarded(frame));

    [Theory]
    [InlineData("""{"type":"response.output_item.added","output_index":0,"item":{"id":"fc_1","type":"function_call","status":"in_progress","arguments":"","call_id":"call_1","name":"get_price"},"sequence_number":2}""")]
    [InlineData("""{"type":"response.output_item.done","output_index":0,"item":{"id":"fc_1","type":"function_call","status":"completed","arguments":"{}","call_id":"call_1","name":"get_price"},"sequence_number":5}""")]
    [InlineData("""{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"{}","sequence_number":3}""")]
    [InlineData("""{"type":"response.function_call_arguments.done","item_id":"fc_1","output_index":0,"name":"get_price","arguments":"{}","sequence_number":4}""")]
    [InlineData("""{"type":"response.content_part.added","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":""},"sequence_number":3}""")]
    [InlineData("""{"type":"response.some_future_event","sequence_number":3}""")]
    public void Items_streamed_one_by_one_and_uninterpreted_events_stay_with_the_socket(string frame) => Assert.False(Forwarded(frame));
}
