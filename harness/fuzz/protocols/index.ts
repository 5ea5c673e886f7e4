/** The protocol models by name. */
import type { FuzzProtocol, ProtocolModel } from '../protocol.ts';
import { coapModel } from './coap.ts';
import { httpModel } from './http.ts';
import { mqttModel } from './mqtt.ts';

export const PROTOCOL_MODELS: Record<FuzzProtocol, ProtocolModel> = { mqtt: mqttModel, coap: coapModel, http: httpModel };
