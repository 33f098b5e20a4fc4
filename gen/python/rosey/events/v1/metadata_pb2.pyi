from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventMetadata(_message.Message):
    __slots__ = ["channel", "correlation_id", "data_schema", "id", "platform", "source", "time", "type"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    correlation_id: str
    data_schema: str
    id: str
    platform: str
    source: str
    time: _timestamp_pb2.Timestamp
    type: str
    def __init__(self, id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., source: _Optional[str] = ..., type: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., platform: _Optional[str] = ..., channel: _Optional[str] = ..., data_schema: _Optional[str] = ...) -> None: ...
