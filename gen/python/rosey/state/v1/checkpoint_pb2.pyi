from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rosey.events.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Checkpoint(_message.Message):
    __slots__ = ["channel", "chat_keys", "chat_time", "clean_stop", "gap_detail", "gap_reason", "gap_since", "owner", "platform", "updated"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CHAT_KEYS_FIELD_NUMBER: _ClassVar[int]
    CHAT_TIME_FIELD_NUMBER: _ClassVar[int]
    CLEAN_STOP_FIELD_NUMBER: _ClassVar[int]
    GAP_DETAIL_FIELD_NUMBER: _ClassVar[int]
    GAP_REASON_FIELD_NUMBER: _ClassVar[int]
    GAP_SINCE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    channel: str
    chat_keys: _containers.RepeatedScalarFieldContainer[str]
    chat_time: int
    clean_stop: bool
    gap_detail: str
    gap_reason: _events_pb2.GapReason
    gap_since: _timestamp_pb2.Timestamp
    owner: str
    platform: str
    updated: _timestamp_pb2.Timestamp
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., chat_time: _Optional[int] = ..., chat_keys: _Optional[_Iterable[str]] = ..., owner: _Optional[str] = ..., updated: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., gap_since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., gap_reason: _Optional[_Union[_events_pb2.GapReason, str]] = ..., gap_detail: _Optional[str] = ..., clean_stop: bool = ...) -> None: ...
